// /exec endpoints: create an exec instance in a container, start it (hijacked unless detached).

import type { Hijacked, Transport } from './transport.js';
import type { ExecCreateBody, ExecInspect } from '../protocol/engine-api.js';

export class ExecApi {
  constructor(private readonly t: Transport) {}

  create(container: string, body: ExecCreateBody): Promise<{ Id: string }> {
    return this.t.json({ method: 'POST', path: `/containers/${encodeURIComponent(container)}/exec`, json: body });
  }

  /** Start and stream: the connection is hijacked, as for attach. */
  startAttached(execId: string, opts: { tty: boolean; consoleSize?: [number, number] }): Promise<Hijacked> {
    return this.t.hijack({
      method: 'POST',
      path: `/exec/${encodeURIComponent(execId)}/start`,
      json: { Detach: false, Tty: opts.tty, ConsoleSize: opts.consoleSize ?? null },
    });
  }

  async startDetached(execId: string, opts: { tty: boolean }): Promise<void> {
    await this.t.call({ method: 'POST', path: `/exec/${encodeURIComponent(execId)}/start`, json: { Detach: true, Tty: opts.tty } });
  }

  async resize(execId: string, height: number, width: number): Promise<void> {
    await this.t.call({ method: 'POST', path: `/exec/${encodeURIComponent(execId)}/resize`, query: { h: height, w: width } });
  }

  inspect(execId: string): Promise<ExecInspect> {
    return this.t.json({ method: 'GET', path: `/exec/${encodeURIComponent(execId)}/json` });
  }
}
