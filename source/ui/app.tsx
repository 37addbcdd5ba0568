import React, { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useApp } from 'ink';
import type { WizardBackend } from '../core/wizard-backend.js';
import { ChromeContext, type Chrome, type Stage } from './chrome.js';
import type { Preselection } from './container-groups.js';
import { RunStateProvider } from './run-context.js';
import { RunHistory } from './run-history.js';
import { ContainerScreen } from './screens/container-screen.js';
import { EngineScreen } from './screens/engine-screen.js';
import { PlanStage } from './screens/plan-stage.js';
import { RunScreen } from './screens/run-screen.js';
import { SummaryScreen, exitCodeOf } from './screens/summary-screen.js';
import { TargetScreen } from './screens/target-screen.js';
import { useCtrlC } from './terminal.js';
import { TickProvider, createTicker } from './ticker.js';
import { useLoad } from './use-load.js';
import { useOutsideSignal } from './use-outside-signal.js';
import { useUpgradeChoices } from './use-upgrade-choices.js';
import { useUpgradeRun } from './use-upgrade-run.js';

// The wizard's flow: engine -> containers -> version -> plan, then the run
// (gates and live progress) and its summary. Everything shown comes from the
// WizardBackend contract and the executor's events; nothing here talks to
// Docker, the registry or Postgres.

/** Exit code when the operator leaves before the run: nothing was touched. */
export const EXIT_CANCELLED = 2;

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

export function WizardApp({ backend, options, onExit }: WizardAppProps) {
	const { exit } = useApp();
	const [stage, setStage] = useState<Stage>('Engine');
	const [helpOpen, setHelpOpen] = useState(false);
	const exited = useRef(false);
	const [ticker] = useState(() => createTicker());
	const choices = useUpgradeChoices(backend);
	const { chosen, tag, overrides, previewLoad } = choices;
	const upgrade = useUpgradeRun(backend);

	const [engineLoad, retryEngine] = useLoad('engine', () => backend.connect());
	const engine = engineLoad.status === 'ready' ? engineLoad.value : undefined;
	const [containersLoad, retryContainers] = useLoad(engine ? 'containers' : undefined, () => backend.listContainers());

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
		if (!tag) return;
		setStage('Run');
		upgrade.start({ containers: chosen, tag, overrides, onSettled: () => setStage('Summary') });
	};

	// A signal from outside (kill, a closed terminal) is not a question: nobody may be
	// there to answer. During the run it aborts and rolls back; before it, it quits.
	useOutsideSignal(options.interrupt, () => {
		if (upgrade.active.current) upgrade.chooseAbort(true);
		else if (!upgrade.started.current) quit();
	});

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
		if (stage === 'Run') upgrade.interrupt();
		else if (stage === 'Summary' && upgrade.outcome) finish(exitCodeOf(upgrade.outcome));
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
						choices.setChosen(names);
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
					containers={chosen}
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
			screen = upgrade.run ? (
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
			screen = upgrade.outcome ? <SummaryScreen outcome={upgrade.outcome} onExit={finish} /> : null;
			break;
	}

	return (
		<TickProvider ticker={ticker}>
			<ChromeContext.Provider value={chrome}>
				{upgrade.run ? (
					// Mounted once for the run and the summary: the history is printed once.
					<RunStateProvider store={upgrade.run.store}>
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
