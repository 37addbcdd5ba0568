import { execa } from 'execa';
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { ComposeProject } from '../../source/targets/compose/cli.js';
import { docker } from './docker.js';
import { tempDir } from './temp-dir.js';

// Real Compose projects for the integration tests, written under a temp dir
// and run with the world's docker-compose (UW_COMPOSE in world.env) the way an
// operator runs them: `-p NAME -f FILE...` from the project dir, `.env` found
// there by Compose itself (no --env-file, so the containers carry no env-file
// label unless a test passes one). Project names start with `uwt`: world:down
// removes what a crashed test left (Compose labels its networks and volumes
// with the project, never with the services' labels).

const PROJECT_PREFIX = 'uwt';
const COMPOSE_TIMEOUT_MS = 180_000;

export interface ComposeTestProject {
	dir: string;
	name: string;
	/** As the wizard's runCompose takes it: this name, this dir, the files in the order given. */
	project: ComposeProject;
	path(file: string): string;
	/** `up -d [SERVICES]`; waits for nothing (use waitHealthy). */
	up(services?: string[]): Promise<void>;
	/** docker-compose -p NAME with the project's files, as the operator would type it; stdout. */
	compose(args: string[]): Promise<string>;
	/** Full IDs of the service's containers, stopped ones included. */
	containerIds(service: string): Promise<string[]>;
	/** `down -v --remove-orphans`, then whatever still carries the project label, then the dir. Idempotent. */
	down(): Promise<void>;
}

export function composeBinary(): string {
	return process.env.UW_COMPOSE || 'docker-compose';
}

export async function composeProject(options: { files: Record<string, string>; env?: string; name?: string }): Promise<ComposeTestProject> {
	const name = options.name ?? `${PROJECT_PREFIX}${randomBytes(4).toString('hex')}`;
	// Compose v1 lowercases and strips the name; ours must survive that unchanged, and world:down must find it.
	if (!/^uwt[a-z0-9]*$/.test(name)) throw new Error(`compose test project name ${name} must match /^uwt[a-z0-9]*$/`);
	const fileNames = Object.keys(options.files);
	if (fileNames.length === 0) throw new Error('composeProject needs at least one file');
	const dir = tempDir('uw-compose-');
	for (const [file, text] of Object.entries(options.files)) {
		mkdirSync(dirname(join(dir, file)), { recursive: true });
		writeFileSync(join(dir, file), text);
	}
	if (options.env !== undefined) writeFileSync(join(dir, '.env'), options.env);
	const files = fileNames.map((file) => join(dir, file));
	const fileArgs = files.flatMap((file) => ['-f', file]);

	const compose = async (args: string[]) => {
		const result = await execa(composeBinary(), ['-p', name, ...fileArgs, ...args], { cwd: dir, timeout: COMPOSE_TIMEOUT_MS, stdin: 'ignore' });
		return result.stdout;
	};
	const byLabel = (kind: string[], format: string) =>
		docker([...kind, '--filter', `label=com.docker.compose.project=${name}`, '--format', format]).then((out) => out.stdout.split('\n').filter(Boolean));

	let gone = false;
	return {
		dir,
		name,
		project: { name, workingDir: dir, files },
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
			// A file a test broke on purpose makes `down` fail: remove by label what is left.
			const containers = await byLabel(['ps', '-a'], '{{.ID}}');
			if (containers.length > 0) await docker(['rm', '-f', '-v', ...containers], { reject: false });
			const networks = await byLabel(['network', 'ls'], '{{.ID}}');
			if (networks.length > 0) await docker(['network', 'rm', ...networks], { reject: false });
			const volumes = await byLabel(['volume', 'ls'], '{{.Name}}');
			if (volumes.length > 0) await docker(['volume', 'rm', '-f', ...volumes], { reject: false });
			rmSync(dir, { recursive: true, force: true });
		},
	};
}
