import { readFileSync } from 'node:fs';
import { ExitCode, NothingToDo, UsageError, messageOf, oneLine } from './core/errors.js';
import type { Prompter, TimedEvent } from './core/events.js';
import { parseCli, USAGE, type CliOptions } from './cli-options.js';
import type { UpgradeRequest } from './sessions/upgrade-session.js';
import { describeProfiles, loadProfiles } from './profiles/load.js';
import type { ProfileSet } from './profiles/profile.js';
import { humanReporter } from './reporters/human.js';
import { ndjsonError, ndjsonNothingToDo, ndjsonReporter } from './reporters/ndjson.js';

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

function requestFrom(options: CliOptions, argv: string[], unattended: boolean, profiles?: ProfileSet): UpgradeRequest {
	return {
		profiles,
		selection: { containers: options.containers, services: options.services, image: options.image, labels: options.labels },
		to: options.to,
		apps: options.apps,
		healthUrl: options.healthUrl,
		healthTimeoutS: options.healthTimeoutS,
		healthTimeoutGiven: options.healthTimeoutGiven,
		stableS: options.stableS,
		stopTimeoutS: options.stopTimeoutS,
		keepOld: options.keepOld,
		composeDown: options.composeDown,
		migrateFirst: options.migrateFirst,
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
		backupFormat: options.backupFormat,
		unattended,
		dryRun: options.dryRun,
		argv,
		engines: options.engines,
	};
}

/**
 * The full-screen wizard. Ink, React and the screens load only here: --yes and
 * --json runs never pay for them. NO_COLOR: chalk ignores it, so it is turned
 * into FORCE_COLOR=0 before anything that colours is loaded.
 */
async function interactive(request: UpgradeRequest, signals: ProcessSignals, recover?: { runId?: string }): Promise<number> {
	if (process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '') process.env.FORCE_COLOR = '0';
	// Ink draws only the last frame when it believes it runs in CI; this path only
	// starts with a terminal on both ends, where a person needs the live screens.
	delete process.env.CI;
	delete process.env.CONTINUOUS_INTEGRATION;
	// The engine is asked first, Ink loaded second: the list is on its way while
	// the screens are parsed, and the first frame can show it.
	const { WizardSession } = await import('./sessions/wizard-session.js');
	const { selection, to, ...rest } = request;
	const backend = new WizardSession({ selection, to, request: rest });
	if (!recover) backend.prefetch();
	const { renderWizard } = await import('./ui/render.js');
	// Ink redraws at most every 66 ms (15 frames/s): an engine that answers within
	// about that long after the screens are loaded is in the first frame, and
	// the terminal does not show "connecting" only to replace it a frame later.
	await backend.settle(60);
	keepGoingWithoutTerminal();
	// `recover` in a terminal without --yes: the same wizard, opened on its Recovery screen.
	const mode = recover ? { mode: 'recover' as const, runId: recover.runId } : { to };
	return renderWizard(backend, { preselect: selection, ...mode, interrupt: signals.signal });
}

/**
 * SIGINT, SIGTERM and SIGHUP (a closed terminal, a dropped ssh session) all
 * mean "abort: roll back at the next safe point", in every mode. After SIGHUP
 * there is no terminal: output is dropped (the journal and the audit log
 * still record everything) and the rollback runs to its end.
 */
interface ProcessSignals {
	signal: AbortSignal;
	/** The run began rolling back (a second signal is told so). */
	rollingBack(): void;
	dispose(): void;
}

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

function processSignals(say: (text: string) => void, recovering = false): ProcessSignals {
	const abort = new AbortController();
	let rolling = false;
	const onSignal = (name: NodeJS.Signals) => {
		if (recovering) {
			// Putting things back half-way would leave them worse than either end.
			say(`upgrade-wizard: ${name}: recover goes on to its end; it is journaled, so even a kill -9 is recovered again`);
			abort.abort(name);
			return;
		}
		if (abort.signal.aborted) {
			say(rolling ? 'upgrade-wizard: already rolling back; wait for it to finish' : 'upgrade-wizard: abort already requested: rolling back at the next safe point');
			return;
		}
		say(`upgrade-wizard: ${name}: abort requested: rolling back at the next safe point`);
		abort.abort(name);
	};
	for (const name of SIGNALS) process.on(name, onSignal);
	return {
		signal: abort.signal,
		rollingBack: () => {
			rolling = true;
		},
		dispose: () => {
			for (const name of SIGNALS) process.off(name, onSignal);
		},
	};
}

/** After SIGHUP the terminal answers EIO: the screens go unseen, the run (and its rollback) goes on. */
function keepGoingWithoutTerminal(): void {
	for (const stream of [process.stdout, process.stderr, process.stdin]) stream.on('error', () => undefined);
}

/**
 * A reader that goes away (`| head`) or a terminal that is gone (SIGHUP: EIO)
 * must not kill a run half-way through a swap: output is dropped from then on
 * and the run goes on to its end.
 */
function guardedWriter(stream: NodeJS.WriteStream): (text: string) => void {
	let open = true;
	stream.on('error', () => {
		open = false;
	});
	return (text) => {
		if (!open) return;
		try {
			stream.write(text);
		} catch {
			open = false;
		}
	};
}

async function demo(options: CliOptions, argv: string[]): Promise<number> {
	const { demoUp, demoDown, DEMO_APP } = await import('./demo/demo-stack.js');
	const say = (line: string) => process.stderr.write(`upgrade-wizard demo: ${line}\n`);
	if (options.demoDown) {
		await demoDown(say);
		return ExitCode.ok;
	}
	const profiles = await loadProfiles({ env: process.env, files: options.profileFiles, forceId: options.profileId });
	const stack = await demoUp(say);
	say(`${stack.app} runs acme/app 1.6.0 (health: ${stack.url}); remove everything with: upgrade-wizard demo --down`);
	if (!(process.stdin.isTTY && process.stdout.isTTY)) {
		say(`no terminal here: upgrade it with: upgrade-wizard --yes --container ${DEMO_APP}`);
		return ExitCode.ok;
	}
	const signals = processSignals(guardedWriter(process.stderr));
	try {
		return await interactive(requestFrom({ ...options, containers: [DEMO_APP] }, argv, false, profiles), signals);
	} finally {
		signals.dispose();
	}
}

/** `upgrade-wizard profiles`: what is loaded and from where; needs no engine. */
async function listProfiles(options: CliOptions): Promise<number> {
	const set = await loadProfiles({ env: process.env, files: options.profileFiles, forceId: options.profileId });
	for (const line of describeProfiles(set, options.json)) process.stdout.write(`${line}\n`);
	return ExitCode.ok;
}

export async function main(argv: string[]): Promise<number> {
	let options: CliOptions;
	try {
		options = parseCli(argv);
	} catch (error) {
		// Not parsed, but asked for: a consumer of --json still gets its line.
		const dashes = argv.indexOf('--');
		return fail(error, (dashes < 0 ? argv : argv.slice(0, dashes)).includes('--json'));
	}
	const failed = (error: unknown) => fail(error, options.json);
	if (options.help) {
		process.stdout.write(USAGE);
		return ExitCode.ok;
	}
	if (options.version) {
		process.stdout.write(`${packageVersion()}\n`);
		return ExitCode.ok;
	}
	if (options.command === 'demo') return demo(options, argv).catch(failed);
	if (options.command === 'profiles') return listProfiles(options).catch(failed);

	const isInteractive = !options.yes && !options.dryRun;
	const tty = Boolean(process.stdin.isTTY && process.stdout.isTTY);
	if (isInteractive && !tty) {
		return failed(new UsageError('no terminal to ask questions on: use --yes to run unattended (or --dry-run to see the plan)'));
	}
	if (isInteractive && options.json) return failed(new UsageError('--json is for unattended runs: add --yes (or --dry-run)'));
	// The screens list containers and upgrade them; a service's update is --yes only for now.
	if (isInteractive && options.services.length > 0) return failed(new UsageError('--service is for unattended runs: add --yes (or --dry-run)'));

	const say = guardedWriter(process.stderr);
	const signals = processSignals(say, options.command === 'recover');
	try {
		// Loaded (and checked) before anything is touched: a bad profile is exit 2. Recover works from the journal.
		const profiles = options.command === 'recover' ? undefined : await loadProfiles({ env: process.env, files: options.profileFiles, forceId: options.profileId });
		if (isInteractive && options.command === 'recover') return await interactive(requestFrom(options, argv, false), signals, { runId: options.runId });
		if (isInteractive) return await interactive(requestFrom(options, argv, false, profiles), signals);
		const write = guardedWriter(process.stdout);
		const report: (event: TimedEvent) => void = options.json ? ndjsonReporter(write) : humanReporter(write);
		const onEvent = (event: TimedEvent) => {
			if (event.type === 'rollback-started') signals.rollingBack();
			report(event);
		};
		const io = { onEvent, prompter: yesPrompter, signal: signals.signal };
		// The planner and executor load here, not at start: the wizard's first frame does not wait for them.
		if (options.command === 'recover') return await (await import('./sessions/recover-session.js')).runRecover({ runId: options.runId, dryRun: options.dryRun, engines: options.engines }, io);
		return await (await import('./sessions/upgrade-session.js')).runUpgrade(requestFrom(options, argv, true, profiles), io);
	} catch (error) {
		return failed(error);
	} finally {
		signals.dispose();
	}
}

/** The one line on stderr (and, with --json, the error object on stdout) for a run that ends on an error. */
function fail(error: unknown, json: boolean): number {
	if (error instanceof NothingToDo) {
		// --json keeps stdout NDJSON: a consumer waiting for run-done gets one, with the reason.
		if (json) ndjsonNothingToDo((text) => process.stdout.write(text), oneLine(error.message));
		else process.stdout.write(`upgrade-wizard: ${oneLine(error.message)}\n`);
		return ExitCode.ok;
	}
	const [exitCode, message] = describeFailure(error);
	process.stderr.write(`upgrade-wizard: ${message}\n`);
	if (json) ndjsonError((text) => process.stdout.write(text), exitCode, message);
	return exitCode;
}

function describeFailure(error: unknown): [number, string] {
	if (error instanceof UsageError) return [ExitCode.usage, oneLine(error.message)];
	const code = (error as { exitCode?: unknown }).exitCode;
	if (code === ExitCode.rollbackIncomplete) return [ExitCode.rollbackIncomplete, oneLine(messageOf(error))];
	// Thrown past the executor: the journal says whether anything was touched; `recover` acts on it.
	return [ExitCode.rolledBack, `unexpected error: ${oneLine(messageOf(error))}; run \`upgrade-wizard recover --dry-run\` to see whether anything needs putting back`];
}
