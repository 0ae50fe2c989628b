// Platform specifiers ("linux/amd64", "arm64", "linux/arm/v7") as containerd's platforms.Parse
// reads them, for the CLI's --platform and the daemon's: Go's GOOS/GOARCH names, normalized.

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

/** GOOS values (containerd's isKnownOS). */
const KNOWN_OS = new Set(['aix', 'android', 'darwin', 'dragonfly', 'freebsd', 'hurd', 'illumos', 'ios', 'js', 'linux', 'nacl', 'netbsd', 'openbsd', 'plan9', 'solaris', 'wasip1', 'windows', 'zos']);
/** GOARCH values (containerd's isKnownArch). */
const KNOWN_ARCH = new Set([
  '386', 'amd64', 'amd64p32', 'arm', 'armbe', 'arm64', 'arm64be', 'ppc64', 'ppc64le', 'loong64', 'mips', 'mipsle', 'mips64', 'mips64le',
  'mips64p32', 'mips64p32le', 'ppc', 'riscv', 'riscv64', 's390', 's390x', 'sparc', 'sparc64', 'wasm',
]);
/** The first component: an OS, with an optional "(version)"; the others. */
const OS_COMPONENT = /^([A-Za-z0-9_-]+)(?:\(([A-Za-z0-9_.-]*)\))?$/;
const COMPONENT = /^[A-Za-z0-9_.-]+$/;

/** Node's process.arch in GOARCH's words. */
const GO_ARCH: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' };

/** This machine's architecture as image configs and indexes spell it. */
export function hostArchitecture(): string {
  return GO_ARCH[process.arch] ?? process.arch;
}

function normalizeOS(os: string): string {
  const o = os.toLowerCase();
  return o === 'macos' ? 'darwin' : o;
}

/** containerd's normalizeArch: the common aliases, and the variants it leaves out or fills in. */
export function normalizeArch(arch: string, variant = ''): { architecture: string; variant: string } {
  const a = arch.toLowerCase();
  let v = variant.toLowerCase();
  switch (a) {
    case 'i386':
      return { architecture: '386', variant: '' };
    case 'x86_64':
    case 'x86-64':
    case 'amd64':
      return { architecture: 'amd64', variant: v === 'v1' ? '' : v };
    case 'aarch64':
    case 'arm64':
      if (['8', 'v8', 'v8.0'].includes(v)) v = '';
      else if (['9', 'v9', 'v9.0'].includes(v)) v = 'v9';
      return { architecture: 'arm64', variant: v };
    case 'armhf':
      return { architecture: 'arm', variant: 'v7' };
    case 'armel':
      return { architecture: 'arm', variant: 'v6' };
    case 'arm':
      if (v === '' || v === '7') v = 'v7';
      else if (['5', '6', '8'].includes(v)) v = `v${v}`;
      return { architecture: 'arm', variant: v };
    default:
      return { architecture: a, variant: v };
  }
}

function platform(os: string, arch: { architecture: string; variant: string }): Platform {
  return arch.variant ? { os, architecture: arch.architecture, variant: arch.variant } : { os, architecture: arch.architecture };
}

/** containerd's platforms.Parse; throws its words ("…: invalid argument"). */
export function parsePlatform(specifier: string): Platform {
  const invalid = (what: string) => new Error(`${what}: invalid argument`);
  if (specifier.includes('*')) throw invalid(`${JSON.stringify(specifier)}: wildcards not yet supported`);
  const parts = specifier.split('/');
  const osPart = OS_COMPONENT.exec(parts[0]!);
  if (!osPart) {
    throw invalid(`${JSON.stringify(parts[0])} is an invalid OS component of ${JSON.stringify(specifier)}: OSAndVersion specifier component must match ${JSON.stringify(OS_COMPONENT.source)}`);
  }
  for (const part of parts.slice(1)) {
    if (!COMPONENT.test(part)) {
      throw invalid(`${JSON.stringify(part)} is an invalid component of ${JSON.stringify(specifier)}: platform specifier component must match ${JSON.stringify(COMPONENT.source)}`);
    }
  }
  switch (parts.length) {
    case 1: {
      // An OS (then this machine's architecture), else an architecture (then linux).
      const os = normalizeOS(osPart[1]!);
      if (KNOWN_OS.has(os)) return platform(os, { architecture: hostArchitecture(), variant: '' });
      const arch = normalizeArch(parts[0]!);
      if (arch.architecture === 'arm' && arch.variant === 'v7') arch.variant = '';
      if (KNOWN_ARCH.has(arch.architecture)) return platform('linux', arch);
      throw invalid(`${JSON.stringify(specifier)}: unknown operating system or architecture`);
    }
    case 2:
    case 3: {
      const arch = normalizeArch(parts[1]!, parts[2] ?? '');
      if (arch.architecture === 'arm64' && arch.variant === '') arch.variant = 'v8';
      return platform(normalizeOS(osPart[1]!), arch);
    }
    default:
      throw invalid(`${JSON.stringify(specifier)}: cannot parse platform specifier`);
  }
}
