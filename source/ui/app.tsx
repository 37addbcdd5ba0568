import React, { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useApp } from 'ink';
import type { WizardBackend } from '../core/wizard-backend.js';
import { ChromeContext, RECOVERY_STAGES, STAGES, type Chrome, type Stage } from './chrome.js';
import type { Preselection } from './container-groups.js';
import { RunStateProvider } from './run-context.js';
import { RunHistory } from './run-history.js';
import { ContainerScreen } from './screens/containers/view.js';
import { EngineScreen } from './screens/engine-screen.js';
import { PlanStage } from './screens/plan-stage.js';
import { RecoveryScreen } from './screens/recovery/view.js';
import { RunScreen } from './screens/run-screen.js';
import { SummaryScreen, exitCodeOf } from './screens/summary-screen.js';
import { TargetScreen } from './screens/target-screen.js';
import { KeysProvider, useCtrlC } from './terminal.js';
import { TickProvider, createTicker } from './ticker.js';
import { useOutsideSignal } from './use-outside-signal.js';
import { useUpgradeChoices } from './use-upgrade-choices.js';
import { EXIT_INCOMPLETE, nextAfterRecovery, useRecoveryRun } from './use-recovery-run.js';
import { useShrinkRedraw } from './use-shrink-redraw.js';
import { useUpgradeRun } from './use-upgrade-run.js';
import { useWizardLoads } from './use-wizard-loads.js';

// The wizard's flow: engine -> (interrupted runs: recovery) -> containers ->
// version -> plan, then the run (gates and live progress) and its summary.
// `upgrade-wizard recover` is the recovery part alone. Everything shown comes
// from the WizardBackend contract and the executor's events; nothing here
// talks to Docker, the registry or Postgres.

/** Exit code when the operator leaves before the run: nothing was touched. */
export const EXIT_CANCELLED = 2;

export interface WizardOptions {
	preselect: Preselection;
	to?: string;
	/** A signal to the process (SIGTERM, SIGHUP, SIGINT from outside): abort the run without asking, or quit before it. */
	interrupt?: AbortSignal;
	/** 'recover': `upgrade-wizard recover`, the Recovery screen and what follows it, then exit. */
	mode?: 'wizard' | 'recover';
	/** `recover RUN_ID`: only that run is offered. */
	runId?: string;
}

export interface WizardAppProps {
	backend: WizardBackend;
	options: WizardOptions;
	onExit: (code: number) => void;
}

export function WizardApp({ backend, options, onExit }: WizardAppProps) {
	const { exit } = useApp();
	const mode = options.mode ?? 'wizard';
	// Answers the backend had before mounting: with them the first frame is already the list.
	const [early] = useState(() => backend.prefetched?.() ?? {});
	const [stage, setStage] = useState<Stage>(() => (mode === 'wizard' && early.engine && early.interruptedRuns?.length === 0 ? 'Containers' : 'Engine'));
	const [helpOpen, setHelpOpen] = useState(false);
	const exited = useRef(false);
	const [ticker] = useState(() => createTicker());
	// Bumped by each recovery: the interrupted runs and the containers are read again.
	const [generation, setGeneration] = useState(0);
	const choices = useUpgradeChoices(backend);
	const { chosen, tag, overrides, previewLoad } = choices;
	const upgrade = useUpgradeRun(backend);
	const recovery = useRecoveryRun(backend);
	useShrinkRedraw();

	const { engineLoad, retryEngine, engine, runsLoad, retryRuns, runsLeft, containersLoad, retryContainers } = useWizardLoads(backend, { mode, runId: options.runId, early, generation });

	// The engine answered: move on by itself (the header keeps saying which engine),
	// to the interrupted runs first when there are any; the wizard never shows an empty list of them.
	useEffect(() => {
		if (!engine) return;
		if (stage === 'Engine' && (mode === 'recover' || runsLoad.status === 'ready' || runsLoad.status === 'error')) {
			setStage(mode === 'wizard' && runsLeft === 0 ? 'Containers' : 'Recovery');
		} else if (stage === 'Recovery' && mode === 'wizard' && runsLeft === 0) setStage('Containers');
	}, [stage, engine, mode, runsLoad.status, runsLeft]);
	useEffect(() => setHelpOpen(false), [stage]);

	const finish = useCallback(
		(code: number) => {
			if (exited.current) return;
			exited.current = true;
			onExit(recovery.incomplete.current ? Math.max(code, EXIT_INCOMPLETE) : code);
			exit();
		},
		[onExit, exit, recovery.incomplete],
	);
	const quit = useCallback(() => finish(EXIT_CANCELLED), [finish]);

	const startRun = () => {
		if (!tag) return;
		setStage('Run');
		upgrade.start({ containers: chosen, tag, overrides, onSettled: () => setStage('Summary') });
	};

	const startRecovery = (runId: string) => {
		if (recovery.running.current) return;
		setStage('Run');
		recovery.start(runId, (result) => {
			setGeneration((value) => value + 1);
			setStage('Summary');
			if (recovery.signalled.current) finish(exitCodeOf(result));
		});
	};

	const inRecovery = mode === 'recover' || stage === 'Recovery' || (recovery.recovery !== undefined && (stage === 'Run' || stage === 'Summary'));
	const shownOutcome = inRecovery ? recovery.outcome : upgrade.outcome;

	// A signal from outside (kill, a closed terminal) is not a question: nobody may be
	// there to answer. During an upgrade it aborts and rolls back; a recovery runs to
	// its end, then exits; on a recovery's summary it exits; before any run, it quits.
	useOutsideSignal(options.interrupt, () => {
		if (recovery.running.current) recovery.holdOn();
		else if (stage === 'Summary' && shownOutcome) finish(exitCodeOf(shownOutcome));
		else if (upgrade.active.current) upgrade.chooseAbort(true);
		else if (!upgrade.started.current) quit();
	});
	// An upgrade a signal aborted ends without anyone at the terminal (SIGHUP): its
	// summary is not left waiting for a key; the exit code says how it ended.
	useEffect(() => {
		if (options.interrupt?.aborted && !inRecovery && stage === 'Summary' && upgrade.outcome) finish(exitCodeOf(upgrade.outcome));
	}, [options.interrupt, inRecovery, stage, upgrade.outcome, finish]);

	// The app owns Ctrl-C (ink renders with exitOnCtrlC: false): before the run
	// it quits, during the run it asks (a recovery says why it cannot stop), on
	// the summary it exits with the code.
	useCtrlC(() => {
		setHelpOpen(false);
		if (stage === 'Run' && inRecovery) recovery.refuse();
		else if (stage === 'Run') upgrade.interrupt();
		else if (stage === 'Summary' && shownOutcome) finish(exitCodeOf(shownOutcome));
		else quit();
	});

	const stages = inRecovery ? RECOVERY_STAGES : STAGES;
	const chrome = useMemo<Chrome>(() => ({ stage, stages, engine, helpOpen, setHelpOpen }), [stage, stages, engine, helpOpen]);
	const plans = previewLoad.status === 'ready' ? previewLoad.value.containers : [];
	const recoveryNext = nextAfterRecovery(runsLeft, mode, () => {
		recovery.clear();
		setStage('Recovery');
	});

	let screen: React.ReactNode;
	switch (stage) {
		case 'Engine':
			screen = <EngineScreen load={engineLoad} onRetry={retryEngine} onQuit={quit} next={mode === 'wizard' ? 'Looking for interrupted runs…' : undefined} />;
			break;
		case 'Recovery':
			screen = (
				<RecoveryScreen
					load={runsLoad}
					mode={mode}
					endpoint={engine?.endpoint}
					runId={options.runId}
					onRecover={startRecovery}
					onSkip={() => setStage('Containers')}
					onQuit={quit}
					onRetry={retryRuns}
					onNothing={() => finish(0)}
				/>
			);
			break;
		case 'Containers':
			screen = (
				<ContainerScreen
					load={containersLoad}
					preselect={options.preselect}
					chosen={chosen}
					onConfirm={(picked) => {
						choices.setChosen(picked);
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
					load={choices.targetsLoad}
					containers={chosen.map((each) => each.name)}
					preferred={tag ?? options.to}
					onChoose={(chosenTag) => {
						choices.setTag(chosenTag);
						setStage('Plan');
					}}
					onBack={() => setStage('Containers')}
					onQuit={quit}
					onRetry={choices.retryTargets}
				/>
			);
			break;
		case 'Plan':
			screen = <PlanStage choices={choices} onConfirm={startRun} onBack={() => setStage('Version')} onQuit={quit} />;
			break;
		case 'Run':
			screen =
				inRecovery && recovery.recovery ? (
					<RunScreen desk={recovery.recovery.desk} notice={recovery.notice} onInterrupt={recovery.refuse} recovery={{ runId: recovery.recovery.runId }} />
				) : upgrade.run ? (
					<RunScreen
						desk={upgrade.run.desk}
						plans={plans}
						tag={tag ?? ''}
						abortOpen={upgrade.abortOpen}
						notice={upgrade.notice}
						onInterrupt={upgrade.interrupt}
						onAbortChoice={upgrade.chooseAbort}
					/>
				) : null;
			break;
		case 'Summary':
			screen = shownOutcome ? (
				<SummaryScreen outcome={shownOutcome} onExit={finish} flow={inRecovery ? 'recover' : 'upgrade'} onNext={inRecovery ? recoveryNext : undefined} />
			) : null;
			break;
	}

	// Mounted once per run for its progress and summary: its history is printed once.
	const store = inRecovery ? recovery.recovery?.store : upgrade.run?.store;
	return (
		<KeysProvider>
		<TickProvider ticker={ticker}>
			<ChromeContext.Provider value={chrome}>
				{store && (stage === 'Run' || stage === 'Summary') ? (
					<RunStateProvider key={inRecovery ? `recovery:${recovery.recovery!.serial}` : 'upgrade'} store={store}>
						<RunHistory />
						{screen}
					</RunStateProvider>
				) : (
					screen
				)}
			</ChromeContext.Provider>
		</TickProvider>
		</KeysProvider>
	);
}
