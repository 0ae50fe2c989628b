// The typed Docker Engine API client: one object per resource group over one transport.

import { ContainersApi } from './containers.js';
import { ExecApi } from './exec.js';
import { parseHost, type Endpoint, type TlsFiles } from './host.js';
import { ImagesApi } from './images.js';
import { NetworksApi } from './networks.js';
import { SystemApi } from './system.js';
import { Transport } from './transport.js';
import { VolumesApi } from './volumes.js';

export class Client {
  readonly containers: ContainersApi;
  readonly images: ImagesApi;
  readonly exec: ExecApi;
  readonly volumes: VolumesApi;
  readonly networks: NetworksApi;
  readonly system: SystemApi;

  constructor(readonly transport: Transport) {
    this.containers = new ContainersApi(transport);
    this.images = new ImagesApi(transport);
    this.exec = new ExecApi(transport);
    this.volumes = new VolumesApi(transport);
    this.networks = new NetworksApi(transport);
    this.system = new SystemApi(transport);
  }

  static connect(hostUrl: string, tls?: TlsFiles): Client {
    return new Client(new Transport(parseHost(hostUrl, tls)));
  }

  get endpoint(): Endpoint {
    return this.transport.endpoint;
  }

  close(): void {
    this.transport.close();
  }
}

export { ApiError, ConnectionError, isApiError } from './errors.js';
export { DEFAULT_HOST, parseHost, resolveHostUrl, type Endpoint, type TlsFiles } from './host.js';
export { API_VERSION, Transport, type Hijacked } from './transport.js';
export { parseFilterArgs, FilterError } from './filters.js';
export type * from '../protocol/engine-api.js';
export type * from './networks.js';
