// A small method+path router: "/containers/{id}/start" patterns, parameters by name.
import { HttpError } from './errors.js';
import type { ApiRequest } from './http.js';

export type Handler = (r: ApiRequest) => Promise<void> | void;

interface Route {
  method: string;
  regex: RegExp;
  names: string[];
  handler: Handler;
}

export class Router {
  private routes: Route[] = [];

  add(method: string, pattern: string, handler: Handler): this {
    const names: string[] = [];
    // {name} matches one segment; {name*} (only last) matches the rest, slashes included
    // (image names such as 127.0.0.1:5000/a/b).
    const src = pattern.replace(/\{(\w+)(\*?)\}/g, (_, n: string, rest: string) => {
      names.push(n);
      return rest ? '(.+)' : '([^/]+)';
    });
    this.routes.push({ method, regex: new RegExp(`^${src}$`), names, handler });
    return this;
  }

  match(method: string, path: string): { handler: Handler; params: Record<string, string> } | 'method' | undefined {
    let pathMatched = false;
    for (const r of this.routes) {
      const m = r.regex.exec(path);
      if (!m) continue;
      pathMatched = true;
      if (r.method !== method && !(method === 'HEAD' && r.method === 'GET')) continue;
      const params: Record<string, string> = {};
      r.names.forEach((n, i) => (params[n] = decodePathParam(m[i + 1]!)));
      return { handler: r.handler, params };
    }
    return pathMatched ? 'method' : undefined;
  }
}

/** A path segment's %-escapes decoded; a malformed one ("%E0%A4%A") is the client's error. */
function decodePathParam(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    throw new HttpError(400, `invalid URL escape in path: ${JSON.stringify(s)}`);
  }
}
