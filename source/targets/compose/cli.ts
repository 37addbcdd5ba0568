import { execa } from 'execa';

// How the wizard finds and calls Compose: `docker compose` (the v2 plugin)
// when it answers, else `docker-compose` (v1, or a standalone v2). Both take
// the same global flags and the subcommands used here, so one argv builder
// serves both. Always argument arrays, never a shell string; run-compose.ts
// runs them.

export type ComposeFlavor = 'v2' | 'v1';

export interface ComposeCli {
	flavor: ComposeFlavor;
	/** The program: 'docker' for the plugin, else 'docker-compose'. */
	file: string;
	/** Arguments before the global flags: ['compose'] for the plugin. */
	prefix: string[];
	version: string;
	/**
	 * COMPOSE_API_VERSION to speak when the operator set none: v1 (docker-py)
	 * speaks the engine's newest API, and from API 1.45 (Docker 26) the engine
	 * no longer returns the image ContainerConfig v1 reads on every recreate.
	 */
	pinApiVersion?: string;
}

/** The API version v1 must be held to on this engine, if any. */
export function apiPinFor(cli: ComposeCli, engineApiVersion: string): string | undefined {
	if (cli.flavor !== 'v1') return undefined;
	const [major, minor] = engineApiVersion.split('.').map(Number);
	return major! > 1 || (major === 1 && minor! >= 45) ? '1.44' : undefined;
}

export interface ComposeProject {
	name: string;
	workingDir: string;
	files: string[];
	envFile?: string;
}

export type ComposeCommand =
	| { op: 'config' }
	| { op: 'config-hash'; services: string[] }
	| { op: 'pull'; services: string[] }
	| { op: 'up'; services: string[]; noDeps: boolean }
	| { op: 'stop'; services: string[]; timeoutS: number }
	| { op: 'start'; services: string[] }
	| { op: 'ps'; services: string[] }
	/** A one-off of the service (`run --rm`): no ports published, `name` fixed, labelled; the command's exit code is compose's. */
	| { op: 'run'; service: string; name: string; labels: Record<string, string>; entrypoint?: string[]; command: string[]; noDeps: boolean };

const FIND_TIMEOUT_MS = 5_000;

/** `version --short` of one candidate, or undefined when it is missing, fails or prints no version. */
async function versionOf(file: string, prefix: string[], env: NodeJS.ProcessEnv, signal?: AbortSignal): Promise<string | undefined> {
	// A missing program is a failed result, not a throw (reject: false); the catch is for a bad signal.
	const result = await execa(file, [...prefix, 'version', '--short'], {
		env,
		extendEnv: false,
		reject: false,
		timeout: FIND_TIMEOUT_MS,
		forceKillAfterDelay: 1_000,
		cancelSignal: signal,
		stdin: 'ignore',
	}).catch(() => undefined);
	// Without the plugin, `docker compose version --short` exits 125 ("unknown flag: --short").
	if (result?.exitCode !== 0) return undefined;
	const version = String(result.stdout).trim().replace(/^v/, '');
	return /^\d+\.\d+/.test(version) ? version : undefined;
}

/** The v2 plugin first (what `docker compose` runs is what operators use today), else docker-compose. */
export async function findCompose(env: NodeJS.ProcessEnv, signal?: AbortSignal): Promise<ComposeCli | undefined> {
	const plugin = await versionOf('docker', ['compose'], env, signal);
	if (plugin && !plugin.startsWith('1.')) return { flavor: 'v2', file: 'docker', prefix: ['compose'], version: plugin };
	if (signal?.aborted) return undefined;
	const standalone = await versionOf('docker-compose', [], env, signal);
	// docker-compose is v1 (python) up to 1.29; a 2.x binary under that name is v2.
	if (standalone) return { flavor: standalone.startsWith('1.') ? 'v1' : 'v2', file: 'docker-compose', prefix: [], version: standalone };
	return undefined;
}

function subcommand(cli: ComposeCli, command: ComposeCommand): string[] {
	switch (command.op) {
		case 'config':
			return ['config'];
		case 'config-hash':
			// v1's docopt only parses the `=` form; v2 documents `--hash a,b`.
			return cli.flavor === 'v1' ? ['config', `--hash=${command.services.join(',')}`] : ['config', '--hash', command.services.join(',')];
		case 'pull':
			return ['pull', ...command.services];
		case 'up':
			// Never build or pull here: the wizard pulled the target itself, and a rollback's image is local.
			// v1 has no --pull: it pulls an image that is missing whatever the flags.
			return ['up', '-d', ...(command.noDeps ? ['--no-deps'] : []), '--no-build', ...(cli.flavor === 'v2' ? ['--pull', 'never'] : []), ...command.services];
		case 'stop':
			return ['stop', '-t', String(command.timeoutS), ...command.services];
		case 'start':
			return ['start', ...command.services];
		case 'ps':
			return ['ps', '-q', ...command.services];
		case 'run':
			return [
				'run',
				'--rm',
				...(command.noDeps ? ['--no-deps'] : []),
				// No terminal: the output is read line by line, and stdin is /dev/null.
				'-T',
				'--name',
				command.name,
				...Object.entries(command.labels).flatMap(([key, value]) => ['-l', `${key}=${value}`]),
				...(command.entrypoint ? ['--entrypoint', shellWords(command.entrypoint)] : []),
				command.service,
				...command.command,
			];
	}
}

/**
 * --entrypoint is one string that both Compose versions split as a shell
 * would (v1 with shlex, v2 with shellwords): each word quoted when it needs
 * it, so an entrypoint of several words arrives as the same words.
 */
export function shellWords(words: string[]): string {
	return words.map((word) => (/^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`)).join(' ');
}

/** The full argv: the project named exactly as the containers' labels record it, then the subcommand. */
export function composeArgv(cli: ComposeCli, project: ComposeProject, command: ComposeCommand): { file: string; args: string[] } {
	const global = ['-p', project.name, '--project-directory', project.workingDir, ...project.files.flatMap((file) => ['-f', file])];
	if (project.envFile) global.push('--env-file', project.envFile);
	return { file: cli.file, args: [...cli.prefix, ...global, ...subcommand(cli, command)] };
}

/** Variables that would replace our -p/-f/--env-file or change which services exist. */
const OVERRIDING = ['COMPOSE_FILE', 'COMPOSE_PROJECT_NAME', 'COMPOSE_PATH_SEPARATOR', 'COMPOSE_ENV_FILES', 'COMPOSE_PROFILES'];

/**
 * The environment for Compose: `strip` names the env file's variables, because
 * Compose lets the shell win over the env file and the wizard edits the file.
 * Everything else (DOCKER_HOST, DOCKER_CONFIG, PATH, ...) stays.
 */
export function composeEnv(env: NodeJS.ProcessEnv, strip: string[]): NodeJS.ProcessEnv {
	const out: NodeJS.ProcessEnv = { ...env };
	for (const name of [...strip, ...OVERRIDING]) delete out[name];
	return out;
}

/** `config --hash` prints `service hash` per line (v1 in dependency order, not the order asked). */
export function parseConfigHashes(stdout: string): Map<string, string> {
	const hashes = new Map<string, string>();
	for (const line of stdout.split(/\r?\n/)) {
		const match = /^(\S+)\s+([0-9a-f]{32,})$/.exec(line.trim());
		if (match) hashes.set(match[1], match[2]);
	}
	return hashes;
}

/** service -> image from `config` output (YAML, or v2's JSON, which YAML also reads). */
export async function serviceImages(config: string): Promise<Map<string, string>> {
	// The YAML parser loads only when a Compose project is planned, not at every start.
	const { imagesOfConfig } = await import('./config-yaml.js');
	return imagesOfConfig(config);
}
