import { execa } from 'execa';
import { composeArgv, type ComposeCli, type ComposeCommand, type ComposeProject } from './cli.js';

// Run one Compose command, bounded, and turn a failure into one line an
// operator can act on. Compose writes its progress to stderr (v1: "Recreating
// shop_app_1 ... done", lines ending in \r\n) and its diagnosis last, after
// the progress and before v1's generic trailer; the whole tail is kept too.

const TAIL_LINES = 15;
const MESSAGE_MAX = 400;

export type ComposeFailure = 'exit' | 'timeout' | 'aborted' | 'spawn';

export class ComposeCommandError extends Error {
	constructor(
		message: string,
		/** The last lines of stderr (trimmed, no blank lines), oldest first. */
		readonly stderrTail: string[],
		readonly failure: ComposeFailure = 'exit',
		readonly exitCode?: number,
	) {
		super(message);
		this.name = 'ComposeCommandError';
	}
}

/** Lines as Compose means them: \n, \r\n and a lone \r (progress redrawn in place) all end one. */
export function outputLines(text: string): string[] {
	return text
		.split(/\r\n|\r|\n/)
		.map((line) => line.trim())
		.filter(Boolean);
}

// v1 progress ("Pulling app ... done", "Recreating shop_app_1 ... error") and
// v1's closing line say nothing about the cause.
const PROGRESS = /^[A-Z][a-z]+ \S+ \.\.\.(\s|$)/;
const TRAILER = /^(ERROR: )?Encountered errors while bringing up the project\.?$/;

/** Compose's own progress ("Creating shop_app_run ... done"), not output of what it runs. */
export const isProgressLine = (line: string): boolean => PROGRESS.test(line);

/** The line that says why: the last one that is not progress or the generic trailer. */
export function causeLine(lines: string[]): string | undefined {
	const line = [...lines].reverse().find((candidate) => !PROGRESS.test(candidate) && !TRAILER.test(candidate)) ?? lines.at(-1);
	if (line === undefined) return undefined;
	const text = line.replace(/^ERROR:\s*/, '').replace(/\s+/g, ' ');
	return text.length > MESSAGE_MAX ? `${text.slice(0, MESSAGE_MAX - 1)}…` : text;
}

function commandName(cli: ComposeCli, command: ComposeCommand): string {
	const program = cli.flavor === 'v2' && cli.prefix.length > 0 ? 'docker compose' : cli.file;
	return `${program} ${command.op === 'config-hash' ? 'config --hash' : command.op}`;
}

export async function runCompose(
	cli: ComposeCli,
	project: ComposeProject,
	command: ComposeCommand,
	options: { env: NodeJS.ProcessEnv; signal?: AbortSignal; timeoutMs: number; onLine?: (line: string) => void },
): Promise<{ stdout: string; stderr: string }> {
	const { file, args } = composeArgv(cli, project, command);
	const onLine = options.onLine;
	// Each chunk execa hands over is one \n-terminated line; a \r inside is v2's redraw.
	const tee = onLine
		? function* (line: unknown) {
				for (const part of outputLines(String(line))) onLine(part);
				yield line;
			}
		: undefined;
	const result = await execa(file, args, {
		cwd: project.workingDir,
		env: cli.pinApiVersion && options.env.COMPOSE_API_VERSION === undefined ? { ...options.env, COMPOSE_API_VERSION: cli.pinApiVersion } : options.env,
		extendEnv: false,
		reject: false,
		timeout: options.timeoutMs,
		forceKillAfterDelay: 3_000,
		cancelSignal: options.signal,
		// Nothing we run asks a question; a prompt must not wait for a terminal.
		stdin: 'ignore',
		...(tee ? { stdout: ['pipe', tee], stderr: ['pipe', tee] } : {}),
	});
	const stdout = String(result.stdout ?? '');
	const stderr = String(result.stderr ?? '');
	if (!result.failed && result.exitCode === 0) return { stdout, stderr };

	const tail = outputLines(stderr).slice(-TAIL_LINES);
	const name = commandName(cli, command);
	let failure: ComposeFailure = 'exit';
	let why = `exit ${result.exitCode ?? '?'}`;
	if (result.timedOut) [failure, why] = ['timeout', `timed out after ${Math.round(options.timeoutMs / 1000)} s`];
	else if (result.isCanceled) [failure, why] = ['aborted', 'aborted'];
	else if (result.exitCode === undefined) {
		const code = (result.cause as NodeJS.ErrnoException | undefined)?.code;
		[failure, why] = ['spawn', `could not start ${file}${code ? `: ${code}` : ''}`];
	}
	const cause = causeLine(tail);
	throw new ComposeCommandError(`${name} failed (${why})${cause ? `: ${cause}` : ''}`, tail, failure, result.exitCode);
}
