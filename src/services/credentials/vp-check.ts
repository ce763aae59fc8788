// placeholder replaced below after the merge
export {};
