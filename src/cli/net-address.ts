// IP, CIDR and MAC addresses as Go's net package reads and prints them (net.ParseIP,
// net.ParseCIDR, IP.String, IPNet.Contains, net.ParseMAC): docker validates --dns, --add-host,
// -p, --subnet, --gateway and --mac-address with these, so berth accepts and rejects the same.

/** 4 bytes for IPv4, 16 for IPv6 (as Go's netip keeps them; ::ffff:a.b.c.d stays 16). */
export type IPBytes = Uint8Array;

function parseIPv4(s: string): IPBytes | undefined {
  const fields = s.split('.');
  if (fields.length !== 4) return undefined;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const f = fields[i] as string;
    // Go 1.17+: no empty fields, at most 3 digits, no leading zeros.
    if (!/^\d{1,3}$/.test(f) || (f.length > 1 && f[0] === '0')) return undefined;
    const n = Number(f);
    if (n > 255) return undefined;
    out[i] = n;
  }
  return out;
}

function parseIPv6(s: string): IPBytes | undefined {
  const out = new Uint8Array(16);
  let ellipsis = -1;
  let rest = s;
  if (rest.startsWith('::')) {
    ellipsis = 0;
    rest = rest.slice(2);
    if (rest === '') return out;
  }
  let i = 0;
  while (i < 16) {
    const m = /^[0-9a-fA-F]{1,4}/.exec(rest);
    if (!m) return undefined;
    // An embedded IPv4 address ends the address: ::ffff:1.2.3.4
    if (rest[m[0].length] === '.') {
      if (ellipsis < 0 && i !== 12) return undefined;
      if (i + 4 > 16) return undefined;
      const v4 = parseIPv4(rest);
      if (!v4) return undefined;
      out.set(v4, i);
      i += 4;
      rest = '';
      break;
    }
    const n = parseInt(m[0], 16);
    out[i] = n >> 8;
    out[i + 1] = n & 0xff;
    i += 2;
    rest = rest.slice(m[0].length);
    if (rest === '') break;
    if (rest[0] !== ':' || rest.length === 1) return undefined;
    rest = rest.slice(1);
    if (rest[0] === ':') {
      if (ellipsis >= 0) return undefined;
      ellipsis = i;
      rest = rest.slice(1);
      if (rest === '') break;
    }
  }
  if (rest !== '') return undefined;
  if (i < 16) {
    if (ellipsis < 0) return undefined;
    const n = 16 - i;
    for (let j = i - 1; j >= ellipsis; j--) out[j + n] = out[j] as number;
    out.fill(0, ellipsis, ellipsis + n);
  } else if (ellipsis >= 0) {
    return undefined;
  }
  return out;
}

/** net.ParseIP: dotted IPv4 or IPv6 (no zone); undefined if it is neither. */
export function parseIP(s: string): IPBytes | undefined {
  return s.includes(':') ? parseIPv6(s) : parseIPv4(s);
}

/** IP.To4: the IPv4 address of a 4-byte or IPv4-mapped 16-byte address. */
function to4(ip: IPBytes): IPBytes | undefined {
  if (ip.length === 4) return ip;
  for (let i = 0; i < 10; i++) if (ip[i] !== 0) return undefined;
  return ip[10] === 0xff && ip[11] === 0xff ? ip.subarray(12) : undefined;
}

/** IP.String: dotted IPv4 (also for IPv4-mapped), else RFC 5952 (the longest run of zero groups is "::"). */
export function formatIP(ip: IPBytes): string {
  const v4 = to4(ip);
  if (v4) return Array.from(v4).join('.');
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((ip[i] as number) << 8) | (ip[i + 1] as number));
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (g: number): string => g.toString(16);
  if (bestStart < 0) return groups.map(hex).join(':');
  return `${groups.slice(0, bestStart).map(hex).join(':')}::${groups.slice(bestStart + bestLen).map(hex).join(':')}`;
}

export interface IPNet {
  ip: IPBytes;
  prefix: number;
}

/** net.ParseCIDR; throws Go's error text ("invalid CIDR address: …"). */
export function parseCIDR(s: string): IPNet {
  const fail = (): Error => new Error(`invalid CIDR address: ${s}`);
  const slash = s.indexOf('/');
  if (slash < 0) throw fail();
  const ip = parseIP(s.slice(0, slash));
  const mask = s.slice(slash + 1);
  if (!ip || !/^\d+$/.test(mask) || mask.length > 8) throw fail();
  const prefix = Number(mask);
  if (prefix > ip.length * 8) throw fail();
  return { ip, prefix };
}

/** IPNet.Contains, with Go's IPv4 / IPv4-mapped equivalence. */
export function cidrContains(net: IPNet, addr: IPBytes | undefined): boolean {
  if (!addr) return false;
  let nip = net.ip;
  let prefix = net.prefix;
  const n4 = to4(nip);
  if (n4) {
    // A 16-byte mask over an IPv4 network number: Go keeps the mask's last 4 bytes.
    if (nip.length === 16) prefix = Math.max(0, prefix - 96);
    nip = n4;
  }
  const a = to4(addr) ?? addr;
  if (a.length !== nip.length) return false;
  for (let bit = 0; bit < prefix; bit++) {
    const byte = bit >> 3;
    const m = 0x80 >> (bit & 7);
    if (((a[byte] as number) & m) !== ((nip[byte] as number) & m)) return false;
  }
  return true;
}

/** net.ParseMAC: 6, 8 or 20 octets, "01:23:…", "01-23-…" or "0123.4567.…"; false if not. */
export function isMAC(s: string): boolean {
  const octets = (n: number): boolean => n === 6 || n === 8 || n === 20;
  if (s.length < 14) return false;
  if (s[2] === ':' || s[2] === '-') {
    const sep = s[2];
    const parts = s.split(sep);
    return octets(parts.length) && parts.every((p) => /^[0-9a-fA-F]{2}$/.test(p));
  }
  if (s[4] === '.') {
    const parts = s.split('.');
    return octets(parts.length * 2) && parts.every((p) => /^[0-9a-fA-F]{4}$/.test(p));
  }
  return false;
}
