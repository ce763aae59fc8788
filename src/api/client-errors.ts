/**
 * Answers to requests that Node's HTTP parser refuses before any route runs:
 * a request line and headers over the parser's limit (16 KB: a long URL
 * counts), a garbage request line, a duplicate Content-Length, bad chunked
 * encoding, a request that did not arrive in time.
 *
 * Node reports them as the server's `clientError` event with the socket, and
 * no request object exists yet, so neither routes nor the error handler see
 * them; by default Fastify answers them in its own shape
 * (`{error, message, statusCode}`). Here they get Polity's `{code, message}`
 * (codes in spec/errors.md), written as a raw HTTP/1.1 response with
 * `Connection: close`: after a parse error the connection's framing cannot be
 * trusted, so it is closed once the answer is written. The message says what
 * was wrong in general terms and echoes nothing the client sent.
 */
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';

/** The answer to a parser error: status, code and message. */
export function clientErrorAnswer(errorCode: string | undefined): { status: number; code: string; message: string } {
  switch (errorCode) {
    case 'HPE_HEADER_OVERFLOW':
      return { status: 431, code: 'HEADERS_TOO_LARGE', message: 'the request line and headers are larger than this node accepts (16 KB, the URL included)' };
    case 'ERR_HTTP_REQUEST_TIMEOUT':
    case 'ERR_HTTP_REQUEST_HEADERS_TIMEOUT':
      return { status: 408, code: 'REQUEST_TIMEOUT', message: 'the request did not arrive in time' };
    case 'HPE_UNEXPECTED_CONTENT_LENGTH':
    case 'HPE_INVALID_CONTENT_LENGTH':
      return { status: 400, code: 'MALFORMED_HTTP', message: 'the request has a duplicate or invalid Content-Length, or one beside Transfer-Encoding' };
    case 'HPE_INVALID_CHUNK_SIZE':
    case 'HPE_INVALID_TRANSFER_ENCODING':
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return { status: 400, code: 'MALFORMED_HTTP', message: 'the chunked transfer encoding of the body is malformed' };
    default:
      return { status: 400, code: 'MALFORMED_HTTP', message: 'the request is not well-formed HTTP/1.1' };
  }
}

/** Fastify's `clientErrorHandler`: answer in Polity's shape and close the connection. */
export function answerClientError(error: Error & { code?: string }, socket: Duplex): void {
  // A reset connection has no one to answer (https://nodejs.org/api/http.html#event-clienterror).
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const { status, code, message } = clientErrorAnswer(error.code);
  const body = JSON.stringify({ code, message });
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n` +
        'Content-Type: application/json; charset=utf-8\r\n' +
        `Content-Length: ${Buffer.byteLength(body)}\r\n` +
        'Cache-Control: no-store\r\n' +
        'Connection: close\r\n\r\n' +
        body,
    );
  }
  socket.destroy(error);
}
