import { readFileSync } from 'node:fs';
import { ExitCode, NothingToDo, UsageError, messageOf, oneLine } from './core/errors.js';
import type { Prompter, TimedEvent } from './core/events.js';
import { parseCli, USAGE, type CliOptions } from './cli-options.js';
import { runUpgrade, type UpgradeRequest } from './sessions/upgrade-session.js';
import { humanReporter } from './reporters/human.js';
import { ndjsonReporter } from './reporters/ndjson.js';

function packageVersion(): string {
	// The bundle has the version built in; the unbundled build reads package.json.
	if (process.env.UPGRADE_WIZARD_VERSION) return process.env.UPGRADE_WIZARD_VERSION;
	const raw = readFileSync(new URL('../package.json', import.meta.url), 'utf8');
	return (JSON.parse(raw) as { version: string }).version;
}

/** --yes: every gate is answered yes, and the answer is logged as given by --yes. */
const yesPrompter: Prompter = {
	name: '--yes',
	confirm: async () => true,
};

function requestFrom(options: CliOptions, argv: string[], unattended: boolean): UpgradeRequest {
	return {
		selection: { containers: options.containers, image: options.image, labels: options.labels },
		to: options.to,
		healthUrl: options.healthUrl,
		healthTimeoutS: options.healthTimeoutS,
		stableS: options.stableS,
		stopTimeoutS: options.stopTimeoutS,
		keepOld: options.keepOld,
		filters: { pre: options.pre, include: options.tagInclude, exclude: options.tagExclude, allowMajor: options.allowMajor },
		db: options.db,
		dbContainer: options.dbContainer,
		skipBackup: options.skipBackup,
		backupDir: options.backupDir,
		offlineBackup: options.offlineBackup,
		noMigrations: options.noMigrations,
		migrationTimeoutS: options.migrationTimeoutS,
		stopAllFirst: options.stopAllFirst,
		pgBin: options.pgBin,
		pgImage: options.pgImage,
		unattended,
		dryRun: options.dryRun,
		argv,
	};
}

/**
 * The full-screen wizard. Ink, React and the screens load only here: --yes and
 * --json runs never pay for them. NO_COLOR: chalk ignores it, so it is turned
 * into FORCE_COLOR=0 before anything that colours is loaded.
 */
async function interactive(request: UpgradeRequest): Promise<number> {
	if (process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '') process.env.FORCE_COLOR = '0';
	// Ink draws only the last frame when it believes it runs in CI; this path only
	// starts with a terminal on both ends, where a person needs the live screens.
	delete process.env.CI;
	delete process.env.CONTINUOUS_INTEGRATION;
	const [{ renderWizard }, { WizardSession }] = await Promise.all([import('./ui/render.js'), import('./sessions/wizard-session.js')]);
	const { selection, to, ...rest } = request;
	const backend = new WizardSession({ selection, to, request: rest });
	return renderWizard(backend, { preselect: selection, to });
}

async function demo(options: CliOptions, argv: string[]): Promise<number> {
	const { demoUp, demoDown, DEMO_APP } = await import('./demo/demo-stack.js');
	const say = (line: string) => process.stderr.write(`upgrade-wizard demo: ${line}\n`);
	if (options.demoDown) {
		await demoDown(say);
		return ExitCode.ok;
	}
	const stack = await demoUp(say);
	say(`${stack.app} runs acme/app 1.6.0 (health: ${stack.url}); remove everything with: upgrade-wizard demo --down`);
	if (!(process.stdin.isTTY && process.stdout.isTTY)) {
		say(`no terminal here: upgrade it with: upgrade-wizard --yes --container ${DEMO_APP}`);
		return ExitCode.ok;
	}
	return interactive(requestFrom({ ...options, containers: [DEMO_APP] }, argv, false));
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
	if (options.command === 'demo') return demo(options, argv).catch(fail);

	const isInteractive = !options.yes && !options.dryRun;
	const tty = Boolean(process.stdin.isTTY && process.stdout.isTTY);
	if (isInteractive && !tty) {
		return fail(new UsageError('no terminal to ask questions on: use --yes to run unattended (or --dry-run to see the plan)'));
	}
	if (isInteractive && options.json) return fail(new UsageError('--json is for unattended runs: add --yes (or --dry-run)'));
	if (isInteractive) return interactive(requestFrom(options, argv, false)).catch(fail);

	// A reader that goes away (`| head`) must not kill a run half-way through a
	// swap: after EPIPE the output is dropped and the run goes on to its end.
	let stdoutOpen = true;
	process.stdout.on('error', (error: NodeJS.ErrnoException) => {
		if (error.code !== 'EPIPE') throw error;
		stdoutOpen = false;
	});
	const write = (text: string) => {
		if (stdoutOpen) process.stdout.write(text);
	};
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
		return await runUpgrade(requestFrom(options, argv, true), { onEvent, prompter: yesPrompter, signal: abort.signal });
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
	process.stderr.write(`upgrade-wizard: unexpected error: ${oneLine(messageOf(error))}; check \`docker ps -a\` and the journal under the state dir\n`);
	return ExitCode.rollbackIncomplete;
}
