// The platform of this machine as image configs and indexes spell it (Go's GOARCH names).

const GO_ARCH: Record<string, string> = {
  x64: 'amd64',
  arm64: 'arm64',
  arm: 'arm',
  ia32: '386',
  ppc64: 'ppc64le',
  s390x: 's390x',
  riscv64: 'riscv64',
};

export function hostArchitecture(): string {
  return GO_ARCH[process.arch] ?? process.arch;
}
