import { homedir } from 'node:os';
import { join } from 'node:path';
import { mkdir } from 'node:fs/promises';

/** XDG_STATE_HOME/upgrade-wizard, else ~/.local/state/upgrade-wizard. */
export function stateDir(env: NodeJS.ProcessEnv = process.env): string {
	const base = env.XDG_STATE_HOME && env.XDG_STATE_HOME.startsWith('/') ? env.XDG_STATE_HOME : join(homedir(), '.local', 'state');
	return join(base, 'upgrade-wizard');
}

/** Create a private directory (0700): journals and backups hold sensitive data. */
export async function ensurePrivateDir(path: string): Promise<string> {
	await mkdir(path, { recursive: true, mode: 0o700 });
	return path;
}
