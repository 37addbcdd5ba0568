import { execa } from 'execa';

// How the wizard finds and runs Compose: `docker compose` (the v2 plugin)
// when it answers, else `docker-compose` (v1). Both take the same global
// flags and the subcommands used here, so one argv builder serves both;
// always argument arrays, never a shell string, and every call bounded.

export type ComposeFlavor = 'v2' | 'v1';

export interface ComposeCli {
	flavor: ComposeFlavor;
	file: string;
	prefix: string[];
	version: string;
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
	| { op: 'ps'; services: string[] };

const FIND_TIMEOUT_MS = 5_000;
const TAIL_LINES = 15;

async function versionOf(file: string, args: string[], env: NodeJS.ProcessEnv, signal?: AbortSignal): Promise<string | undefined> {
	const result = await execa(file, [...args, 'version', '--short'], { env, extendEnv: false, reject: false, timeout: FIND_TIMEOUT_MS, cancelSignal: signal, stdin: 'ignore' }).catch(() => undefined);
	const version = result?.exitCode === 0 ? String(result.stdout).trim().replace(/^v/, '') : '';
	return /^\d+\.\d+/.test(version) ? version : undefined;
}

export async function findCompose(env: NodeJS.ProcessEnv, signal?: AbortSignal): Promise<ComposeCli | undefined> {
	const v2 = await versionOf('docker', ['compose'], env, signal);
	if (v2 && !v2.startsWith('1.')) return { flavor: 'v2', file: 'docker', prefix: ['compose'], version: v2 };
	const v1 = await versionOf('docker-compose', [], env, signal);
	if (v1) return { flavor: v1.startsWith('1.') ? 'v1' : 'v2', file: 'docker-compose', prefix: [], version: v1 };
	return undefined;
}

function subcommand(cli: ComposeCli, command: ComposeCommand): string[] {
	switch (command.op) {
		case 'config':
			return ['config'];
		case 'config-hash':
			// v1 only takes the `=` form; v2 takes both.
			return ['config', `--hash=${command.services.join(',')}`];
		case 'pull':
			return ['pull', ...command.services];
		case 'up':
			// Never build, never pull here: the wizard pulled the target itself, and a rollback's old image is local.
			return ['up', '-d', ...(command.noDeps ? ['--no-deps'] : []), '--no-build', ...(cli.flavor === 'v2' ? ['--pull', 'never'] : []), ...command.services];
		case 'stop':
			return ['stop', '-t', String(command.timeoutS), ...command.services];
		case 'start':
			return ['start', ...command.services];
		case 'ps':
			return ['ps', '-q', ...command.services];
	}
}

export function composeArgv(cli: ComposeCli, project: ComposeProject, command: ComposeCommand): { file: string; args: string[] } {
	const global = ['-p', project.name, '--project-directory', project.workingDir, ...project.files.flatMap((file) => ['-f', file])];
	if (project.envFile) global.push('--env-file', project.envFile);
	return { file: cli.file, args: [...cli.prefix, ...global, ...subcommand(cli, command)] };
}

/** Variables Compose would take from the shell over the env file, and the ones that would override our -p/-f. */
const OVERRIDING = ['COMPOSE_FILE', 'COMPOSE_PROJECT_NAME', 'COMPOSE_PATH_SEPARATOR', 'COMPOSE_ENV_FILES', 'COMPOSE_PROFILES'];

export function composeEnv(env: NodeJS.ProcessEnv, strip: string[]): NodeJS.ProcessEnv {
	const out: NodeJS.ProcessEnv = { ...env };
	for (const name of [...strip, ...OVERRIDING]) delete out[name];
	return out;
}

export class ComposeCommandError extends Error {
	constructor(
		message: string,
		readonly stderrTail: string[],
	) {
		super(message);
		this.name = 'ComposeCommandError';
	}
}

export async function runCompose(
	cli: ComposeCli,
	project: ComposeProject,
	command: ComposeCommand,
	options: { env: NodeJS.ProcessEnv; signal?: AbortSignal; timeoutMs: number; onLine?: (line: string) => void },
): Promise<{ stdout: string; stderr: string }> {
	const { file, args } = composeArgv(cli, project, command);
	const name = `${cli.flavor === 'v2' ? 'docker compose' : 'docker-compose'} ${command.op}`;
	const onLine = options.onLine;
	const result = await execa(file, args, {
		cwd: project.workingDir,
		env: options.env,
		extendEnv: false,
		reject: false,
		timeout: options.timeoutMs,
		cancelSignal: options.signal,
		stdin: 'ignore',
		...(onLine ? { stderr: ['pipe', function* (line: unknown) { onLine(String(line)); yield line; }] } : {}),
	});
	const stdout = String(result.stdout ?? '');
	const stderr = String(result.stderr ?? '');
	if (result.exitCode !== 0 || result.failed) {
		const lines = stderr.split('\n').map((line) => line.trim()).filter(Boolean);
		const tail = lines.slice(-TAIL_LINES);
		const why = result.timedOut ? `timed out after ${Math.round(options.timeoutMs / 1000)} s` : result.isCanceled ? 'aborted' : `exit ${result.exitCode ?? '?'}`;
		throw new ComposeCommandError(`${name} failed (${why})${tail.length > 0 ? `: ${tail.at(-1)}` : ''}`, tail);
	}
	return { stdout, stderr };
}

/** `config --hash=...` prints `service hash` per line. */
export function parseConfigHashes(stdout: string): Map<string, string> {
	const hashes = new Map<string, string>();
	for (const line of stdout.split('\n')) {
		const [service, hash] = line.trim().split(/\s+/);
		if (service && hash) hashes.set(service, hash);
	}
	return hashes;
}

/** service -> image from `config` output (YAML, or v2's JSON, which YAML also reads). */
export async function serviceImages(config: string): Promise<Map<string, string>> {
	// The YAML parser loads only when a Compose project is planned, not at every start.
	const { imagesOfConfig } = await import('./config-yaml.js');
	return imagesOfConfig(config);
}
