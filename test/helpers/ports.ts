import net from 'node:net';

/** A TCP port free on 127.0.0.1 right now, for a server started as a child process (which cannot be given port 0). */
export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}
