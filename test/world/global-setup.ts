import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import type { TestProject } from 'vitest/node';

// Integration tests run against the real world: the project's own script brings
// up the engine, registries, Postgres and fixture images (idempotent, bounded),
// and world:down removes what it started when the run ends.

const here = dirname(fileURLToPath(import.meta.url));

export function parseWorldEnv(text: string): Record<string, string> {
	const env: Record<string, string> = {};
	for (const line of text.split('\n')) {
		const match = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line.trim());
		if (!match) continue;
		env[match[1]!] = match[2]!.replace(/^"(.*)"$/, '$1').replace(/^'(.*)'$/, '$1');
	}
	return env;
}

export default function setup(project: TestProject) {
	const worldDir = process.env.UW_WORLD_DIR ?? '/var/tmp/upgrade-wizard-world';
	execFileSync('bash', [join(here, 'up.sh')], { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, UW_WORLD_DIR: worldDir }, timeout: 600_000 });
	const world = parseWorldEnv(readFileSync(join(worldDir, 'world.env'), 'utf8'));
	Object.assign(process.env, world);
	project.provide('world', world);
	return () => {
		if (process.env.UW_KEEP_WORLD === '1') return;
		execFileSync('bash', [join(here, 'down.sh')], { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, UW_WORLD_DIR: worldDir }, timeout: 300_000 });
	};
}

declare module 'vitest' {
	export interface ProvidedContext {
		world: Record<string, string>;
	}
}
