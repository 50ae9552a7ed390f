/**
 * `url` with its port replaced: a sink or worker reaches its broker through a TCP proxy this way
 * (see createTcpProxy), so a test can cut and restore that one connection.
 */
export const withPort = (url: string, port: number) => {
  const parsed = new URL(url);

  parsed.port = String(port);

  return parsed.toString().replace(/\/$/u, '');
};
