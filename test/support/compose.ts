import { execa } from 'execa';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { docker } from './docker.js';

// Real Compose projects for the integration tests, written under a temp dir
// and run with the world's docker-compose, as an operator runs them. Project
// names start with `uwt` so world:down can find what a crashed test left.

export interface ComposeTestProject {
	dir: string;
	name: string;
	path(file: string): string;
	up(services?: string[]): Promise<void>;
	/** docker-compose -p NAME with the project's files, as the operator would type it; stdout. */
	compose(args: string[]): Promise<string>;
	containerIds(service: string): Promise<string[]>;
	down(): Promise<void>;
}

export async function composeProject(options: { files: Record<string, string>; env?: string; name?: string }): Promise<ComposeTestProject> {
	const dir = mkdtempSync(join(tmpdir(), 'uw-compose-'));
	const name = options.name ?? `uwt${randomBytes(3).toString('hex')}`;
	for (const [file, text] of Object.entries(options.files)) writeFileSync(join(dir, file), text);
	if (options.env !== undefined) writeFileSync(join(dir, '.env'), options.env);
	const fileArgs = Object.keys(options.files).flatMap((file) => ['-f', join(dir, file)]);
	const compose = async (args: string[]) => {
		const result = await execa('docker-compose', ['-p', name, ...fileArgs, ...args], { cwd: dir, timeout: 180_000, stdin: 'ignore' });
		return result.stdout;
	};
	let gone = false;
	return {
		dir,
		name,
		path: (file) => join(dir, file),
		up: async (services = []) => {
			await compose(['up', '-d', ...services]);
		},
		compose,
		containerIds: async (service) => {
			const { stdout } = await docker(['ps', '-aq', '--no-trunc', '--filter', `label=com.docker.compose.project=${name}`, '--filter', `label=com.docker.compose.service=${service}`]);
			return stdout.split('\n').filter(Boolean);
		},
		down: async () => {
			if (gone) return;
			gone = true;
			await compose(['down', '-v', '--remove-orphans', '--timeout', '1']).catch(() => undefined);
			rmSync(dir, { recursive: true, force: true });
		},
	};
}
