// Basic authentication against an htpasswd file, as distribution's htpasswd auth does: bcrypt
// entries only (`htpasswd -B`), everyone authenticated may push and pull. bcrypt is slow on
// purpose (tens of ms per check) and clients send the credentials with every request, so a
// successful check is remembered, keyed by a hash of user and password, for a few minutes.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import bcrypt from 'bcryptjs';

const REMEMBER_MS = 5 * 60_000;

export class Htpasswd {
  private readonly verified = new Map<string, number>();

  private constructor(private readonly users: Map<string, string>) {}

  /** Reads `user:$2y$…` lines; other hash formats are refused, as distribution refuses them. */
  static load(file: string): Htpasswd {
    const users = new Map<string, string>();
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      throw new Error(`cannot read htpasswd file ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    const lines = text.split('\n');
    lines.forEach((raw, i) => {
      const line = raw.trim();
      if (!line || line.startsWith('#')) return;
      const sep = line.indexOf(':');
      const user = line.slice(0, sep);
      const hash = line.slice(sep + 1);
      if (sep <= 0 || !/^\$2[aby]\$\d\d\$/.test(hash)) throw new Error(`${file}:${i + 1}: not a bcrypt entry (make it with htpasswd -B)`);
      users.set(user, hash);
    });
    return new Htpasswd(users);
  }

  /** Checks an Authorization header; returns the user name, or undefined. */
  async check(authorization: string | undefined): Promise<string | undefined> {
    const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(authorization ?? '');
    if (!m) return undefined;
    const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
    const sep = decoded.indexOf(':');
    if (sep < 0) return undefined;
    const user = decoded.slice(0, sep);
    const password = decoded.slice(sep + 1);
    const hash = this.users.get(user);
    if (!hash) return undefined;
    const key = createHash('sha256').update(`${user}\0${password}\0${hash}`).digest('hex');
    const until = this.verified.get(key);
    if (until !== undefined && until > Date.now()) return user;
    if (!(await bcrypt.compare(password, hash))) return undefined;
    this.verified.set(key, Date.now() + REMEMBER_MS);
    return user;
  }
}
