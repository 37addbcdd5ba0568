import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { DEFAULT_WORLD_DIR, readWorldEnv } from './world-env.mjs';

// Integration tests run against the real world: the project's own script brings
// up the engine, registries, Postgres and fixture images (idempotent, bounded),
// and world:down removes what it started when the run ends.

const here = dirname(fileURLToPath(import.meta.url));

export default function setup(project: TestProject) {
	const worldDir = process.env.UW_WORLD_DIR ?? DEFAULT_WORLD_DIR;
	execFileSync('bash', [join(here, 'up.sh')], { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, UW_WORLD_DIR: worldDir }, timeout: 600_000 });
	const world = readWorldEnv(worldDir);
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
