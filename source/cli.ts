import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline/promises';
import { ExitCode, NothingToDo, UsageError, messageOf, oneLine } from './core/errors.js';
import type { Gate, Prompter, TimedEvent } from './core/events.js';
import { parseCli, USAGE, type CliOptions } from './cli-options.js';
import { runUpgrade } from './core/upgrade-session.js';
import { humanReporter } from './reporters/human.js';
import { ndjsonReporter } from './reporters/ndjson.js';

function packageVersion(): string {
	const raw = readFileSync(new URL('../package.json', import.meta.url), 'utf8');
	return (JSON.parse(raw) as { version: string }).version;
}

/** --yes: every gate is answered yes, and the answer is logged as given by --yes. */
const yesPrompter: Prompter = {
	name: '--yes',
	confirm: async () => true,
};

/** Interactive without the full-screen wizard: ask each gate on the terminal, default no. */
function linePrompter(): Prompter {
	return {
		name: 'operator',
		async confirm(gate: Gate) {
			const rl = createInterface({ input: process.stdin, output: process.stderr });
			try {
				process.stderr.write(`\n${gate.title}\n${gate.message}\n${(gate.details ?? []).map((line) => `  ${line}\n`).join('')}`);
				const answer = await rl.question('Type y to continue, anything else to stop [y/N]: ');
				return answer.trim().toLowerCase() === 'y';
			} finally {
				rl.close();
			}
		},
	};
}

export async function main(argv: string[]): Promise<number> {
	let options: CliOptions;
	try {
		options = parseCli(argv);
	} catch (error) {
		return fail(error);
	}
	if (options.help) {
		process.stdout.write(USAGE);
		return ExitCode.ok;
	}
	if (options.version) {
		process.stdout.write(`${packageVersion()}\n`);
		return ExitCode.ok;
	}
	const interactive = !options.yes && !options.dryRun;
	if (interactive && !(process.stdin.isTTY && process.stdout.isTTY)) {
		return fail(new UsageError('no terminal to ask questions on: use --yes to run unattended (or --dry-run to see the plan)'));
	}
	const write = (text: string) => process.stdout.write(text);
	const onEvent: (event: TimedEvent) => void = options.json ? ndjsonReporter(write) : humanReporter(write);

	// Ctrl-C or SIGTERM mid-run: roll back at the next safe point, never leave a
	// half-swapped container. A second signal is refused while that happens.
	const abort = new AbortController();
	const onSignal = () => {
		if (abort.signal.aborted) {
			process.stderr.write('upgrade-wizard: already rolling back; wait for it to finish\n');
			return;
		}
		process.stderr.write('upgrade-wizard: abort requested: rolling back at the next safe point\n');
		abort.abort();
	};
	process.on('SIGINT', onSignal);
	process.on('SIGTERM', onSignal);
	try {
		return await runUpgrade(
			{
				selection: { containers: options.containers, image: options.image, labels: options.labels },
				to: options.to,
				healthUrl: options.healthUrl,
				healthTimeoutS: options.healthTimeoutS,
				stableS: options.stableS,
				stopTimeoutS: options.stopTimeoutS,
				keepOld: options.keepOld,
				filters: { pre: options.pre, include: options.tagInclude, exclude: options.tagExclude, allowMajor: options.allowMajor },
				unattended: !interactive,
				dryRun: options.dryRun,
				argv,
			},
			{ onEvent, prompter: interactive ? linePrompter() : yesPrompter, signal: abort.signal },
		);
	} catch (error) {
		return fail(error);
	} finally {
		process.off('SIGINT', onSignal);
		process.off('SIGTERM', onSignal);
	}
}

function fail(error: unknown): number {
	if (error instanceof NothingToDo) {
		process.stdout.write(`upgrade-wizard: ${oneLine(error.message)}\n`);
		return ExitCode.ok;
	}
	if (error instanceof UsageError) {
		process.stderr.write(`upgrade-wizard: ${oneLine(error.message)}\n`);
		return ExitCode.usage;
	}
	process.stderr.write(`upgrade-wizard: ${oneLine(messageOf(error))}\n`);
	return ExitCode.rollbackIncomplete;
}
