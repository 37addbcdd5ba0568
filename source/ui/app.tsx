import React, { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useApp } from 'ink';
import { createRunStore, type RunStore } from '../core/run-state.js';
import type { DatabaseOverrides, WizardBackend } from '../core/wizard-backend.js';
import { ChromeContext, type Chrome, type Stage } from './chrome.js';
import type { Preselection } from './container-groups.js';
import { createGateDesk, type GateDesk } from './gate-desk.js';
import { RunStateProvider } from './run-context.js';
import { RunHistory } from './run-history.js';
import { ContainerScreen } from './screens/container-screen.js';
import { EngineScreen } from './screens/engine-screen.js';
import { NoDatabaseScreen } from './screens/no-database-screen.js';
import { PlanScreen } from './screens/plan-screen.js';
import { RunScreen } from './screens/run-screen.js';
import { SummaryScreen, exitCodeOf, type RunOutcome } from './screens/summary-screen.js';
import { TargetScreen } from './screens/target-screen.js';
import { useCtrlC } from './terminal.js';
import { TickProvider, createTicker } from './ticker.js';
import { useLoad } from './use-load.js';

// The wizard's flow: engine -> containers -> version -> plan, then the run
// (gates and live progress) and its summary. Everything shown comes from the
// WizardBackend contract and the executor's events; nothing here talks to
// Docker, the registry or Postgres.

/** Exit code when the operator leaves before the run: nothing was touched. */
export const EXIT_CANCELLED = 2;
/** A run that threw instead of returning a summary: its state is unknown, as in --yes mode. */
const EXIT_UNKNOWN_STATE = 3;

export interface WizardOptions {
	preselect: Preselection;
	to?: string;
	/** A signal to the process (SIGTERM, SIGHUP, SIGINT from outside): abort the run without asking, or quit before it. */
	interrupt?: AbortSignal;
}

export interface WizardAppProps {
	backend: WizardBackend;
	options: WizardOptions;
	onExit: (code: number) => void;
}

interface ActiveRun {
	store: RunStore;
	desk: GateDesk;
	controller: AbortController;
}

type Notice = { text: string; tone: 'warn' | 'info' };

const ROLLING_BACK_REFUSAL = 'Already rolling back: a rollback cannot be interrupted. Wait for it to finish.';

function errorExitCode(error: unknown): number {
	const code = (error as { exitCode?: unknown } | undefined)?.exitCode;
	return typeof code === 'number' ? code : EXIT_UNKNOWN_STATE;
}

export function WizardApp({ backend, options, onExit }: WizardAppProps) {
	const { exit } = useApp();
	const [stage, setStage] = useState<Stage>('Engine');
	const [helpOpen, setHelpOpen] = useState(false);
	const [chosen, setChosen] = useState<string[]>([]);
	const [tag, setTag] = useState<string>();
	const [run, setRun] = useState<ActiveRun>();
	const [outcome, setOutcome] = useState<RunOutcome>();
	const [abortOpen, setAbortOpen] = useState(false);
	const [notice, setNotice] = useState<Notice>();
	const aborted = useRef(false);
	const exited = useRef(false);
	// Refs, not state: two enters in a row must not start two runs.
	const runStarted = useRef(false);
	const activeRun = useRef<ActiveRun | undefined>(undefined);
	/** Counts URLs typed, so each one plans again. */
	const databaseAnswers = useRef(0);
	const [ticker] = useState(() => createTicker());
	// The operator's answer to "no database found", for the containers it was given for.
	const [database, setDatabase] = useState<{ containers: string; overrides: DatabaseOverrides }>();

	const [engineLoad, retryEngine] = useLoad('engine', () => backend.connect());
	const engine = engineLoad.status === 'ready' ? engineLoad.value : undefined;
	const [containersLoad, retryContainers] = useLoad(engine ? 'containers' : undefined, () => backend.listContainers());
	const chosenKey = chosen.join('\n');
	const [targetsLoad, retryTargets] = useLoad(chosen.length > 0 ? `targets:${chosenKey}` : undefined, () => backend.targets(chosen));
	const overrides = database?.containers === chosenKey ? database.overrides : undefined;
	// Never the URL itself in the key: it holds the password.
	const overridesKey = overrides?.skipBackup ? 'skip-backup' : overrides?.db !== undefined ? `db#${databaseAnswers.current}` : '';
	const [previewLoad, retryPreview] = useLoad(chosen.length > 0 && tag ? `preview:${chosenKey}:${tag}:${overridesKey}` : undefined, () =>
		overrides ? backend.preview(chosen, tag!, overrides) : backend.preview(chosen, tag!),
	);

	// The engine answered: move on by itself; the header keeps saying which engine.
	useEffect(() => {
		if (stage === 'Engine' && engine) setStage('Containers');
	}, [stage, engine]);
	useEffect(() => setHelpOpen(false), [stage]);

	const finish = useCallback(
		(code: number) => {
			if (exited.current) return;
			exited.current = true;
			onExit(code);
			exit();
		},
		[onExit, exit],
	);
	const quit = useCallback(() => finish(EXIT_CANCELLED), [finish]);

	const startRun = () => {
		if (runStarted.current || !tag) return;
		runStarted.current = true;
		// A skip confirmed on the no-database screen is not asked a second time.
		const desk = createGateDesk({ answered: overrides?.skipBackup ? ['skip-backup'] : [] });
		const active: ActiveRun = { store: createRunStore(), desk, controller: new AbortController() };
		activeRun.current = active;
		setRun(active);
		setStage('Run');
		const io = { prompter: desk.prompter, onEvent: active.store.dispatch, signal: active.controller.signal };
		(overrides ? backend.run(chosen, tag, io, overrides) : backend.run(chosen, tag, io))
			.then(
				(summary) => setOutcome({ kind: 'summary', summary }),
				(error: unknown) =>
					setOutcome({
						kind: 'error',
						message: error instanceof Error ? error.message : String(error),
						exitCode: errorExitCode(error),
						journal: active.store.getSnapshot().journal,
					}),
			)
			.finally(() => {
				active.store.flush();
				active.desk.refuseAll();
				setAbortOpen(false);
				setNotice(undefined);
				setStage('Summary');
			});
	};

	/** q or Ctrl-C during the run: ask, unless a rollback is already under way. */
	const interrupt = useCallback(() => {
		const run = activeRun.current;
		if (!run) return;
		if (aborted.current || run.store.getSnapshot().phase === 'rolling-back') {
			setNotice({ text: ROLLING_BACK_REFUSAL, tone: 'warn' });
			return;
		}
		setAbortOpen(true);
	}, []);

	const chooseAbort = useCallback(
		(abort: boolean) => {
			setAbortOpen(false);
			const run = activeRun.current;
			if (!abort || !run || aborted.current) return;
			aborted.current = true;
			run.controller.abort();
			// A gate on screen or still to come is answered no: nothing new starts.
			run.desk.refuseAll();
			setNotice({ text: 'Abort requested: rolling back at the next safe point. It runs to its end.', tone: 'warn' });
		},
		[],
	);

	// A signal from outside (kill, a closed terminal) is not a question: nobody may be
	// there to answer. During the run it aborts and rolls back; before it, it quits.
	useEffect(() => {
		const signal = options.interrupt;
		if (!signal) return;
		const onSignal = () => {
			if (activeRun.current) chooseAbort(true);
			else if (!runStarted.current) quit();
		};
		if (signal.aborted) onSignal();
		signal.addEventListener('abort', onSignal, { once: true });
		return () => signal.removeEventListener('abort', onSignal);
	}, [options.interrupt, chooseAbort, quit]);

	// The app owns Ctrl-C (ink renders with exitOnCtrlC: false): before the run
	// it quits, during the run it asks, on the summary it exits with the code.
	useCtrlC(() => {
		setHelpOpen(false);
		if (stage === 'Run') interrupt();
		else if (stage === 'Summary' && outcome) finish(exitCodeOf(outcome));
		else quit();
	});

	const chrome = useMemo<Chrome>(() => ({ stage, engine, helpOpen, setHelpOpen }), [stage, engine, helpOpen]);
	const plans = previewLoad.status === 'ready' ? previewLoad.value.containers : [];

	let screen: React.ReactNode;
	switch (stage) {
		case 'Engine':
			screen = <EngineScreen load={engineLoad} onRetry={retryEngine} onQuit={quit} />;
			break;
		case 'Containers':
			screen = (
				<ContainerScreen
					load={containersLoad}
					preselect={options.preselect}
					chosen={chosen}
					onConfirm={(names) => {
						setChosen(names);
						setStage('Version');
					}}
					onRetry={retryContainers}
					onQuit={quit}
				/>
			);
			break;
		case 'Version':
			screen = (
				<TargetScreen
					load={targetsLoad}
					containers={chosen}
					preferred={tag ?? options.to}
					onChoose={(chosenTag) => {
						setTag(chosenTag);
						setStage('Plan');
					}}
					onBack={() => setStage('Containers')}
					onQuit={quit}
					onRetry={retryTargets}
				/>
			);
			break;
		case 'Plan':
			screen =
				previewLoad.status === 'error' && previewLoad.kind === 'no-database' ? (
					<NoDatabaseScreen
						container={previewLoad.container ?? chosen[0] ?? ''}
						message={previewLoad.message}
						onAnswer={(answer) => {
							databaseAnswers.current++;
							setDatabase({ containers: chosenKey, overrides: answer });
						}}
						onBack={() => setStage('Version')}
						onQuit={quit}
					/>
				) : (
					<PlanScreen
						load={previewLoad}
						tag={tag ?? ''}
						onConfirm={startRun}
						onBack={() => setStage('Version')}
						onQuit={quit}
						onRetry={retryPreview}
						onChangeDatabase={overrides ? () => setDatabase(undefined) : undefined}
					/>
				);
			break;
		case 'Run':
			screen = run ? (
				<RunScreen
					desk={run.desk}
					plans={plans}
					tag={tag ?? ''}
					abortOpen={abortOpen}
					notice={notice}
					onInterrupt={interrupt}
					onAbortChoice={chooseAbort}
				/>
			) : null;
			break;
		case 'Summary':
			screen = outcome ? <SummaryScreen outcome={outcome} onExit={finish} /> : null;
			break;
	}

	return (
		<TickProvider ticker={ticker}>
			<ChromeContext.Provider value={chrome}>
				{run ? (
					// Mounted once for the run and the summary: the history is printed once.
					<RunStateProvider store={run.store}>
						<RunHistory />
						{screen}
					</RunStateProvider>
				) : (
					screen
				)}
			</ChromeContext.Provider>
		</TickProvider>
	);
}
