// A plain request to an engine's API socket for the benches' raw clients (exec-bench.ts,
// trace-run.ts), which time each of the docker CLI's requests without the CLI: a JSON body, the
// whole answer as text. `close` lets the kept-alive sockets go.
import http from 'node:http';

export interface ApiRequester {
  (socket: string, method: string, path: string, body?: unknown): Promise<{ status: number; text: string }>;
  close(): void;
}

/** Requests under `/v<apiVersion>`, over at most `maxSockets` kept-alive connections. */
export function apiRequester(apiVersion: string, maxSockets: number): ApiRequester {
  const agent = new http.Agent({ keepAlive: true, maxSockets });
  const request = (socket: string, method: string, path: string, body?: unknown) => new Promise<{ status: number; text: string }>((resolve, reject) => {
    const payload = body === undefined ? '' : JSON.stringify(body);
    const req = http.request(
      {
        socketPath: socket, agent, method, path: `/v${apiVersion}${path}`,
        headers: { Host: 'api.moby.localhost', 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(payload)) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
  return Object.assign(request, { close: () => agent.destroy() });
}
