// berth's own version, shown by `berth version` and `berth --version`.

export const VERSION = '0.1.0';
export const GIT_COMMIT = 'unknown';
