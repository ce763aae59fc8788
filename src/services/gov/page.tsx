import { mountPage } from '../../../web/app.js';

mountPage(<h1>TODO</h1>);
