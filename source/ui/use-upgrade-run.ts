import { useCallback, useRef, useState } from 'react';
import type { RunSummary } from '../core/events.js';
import { createRunStore, type RunStore } from '../core/run-state.js';
import type { ChosenContainer, DatabaseOverrides, WizardBackend } from '../core/wizard-backend.js';
import { createGateDesk, type GateDesk } from './gate-desk.js';
import type { RunOutcome } from './screens/summary-screen.js';

// The upgrade once the plan is confirmed: backend.run with the operator's gate
// desk and a run store, the abort question (q or Ctrl-C) and its answer. Refs,
// not state, say whether a run started: two enters in a row must not start two.

/** A run that threw instead of returning a summary: its state is unknown, as in --yes mode. */
const EXIT_UNKNOWN_STATE = 3;

const ROLLING_BACK_REFUSAL = 'Already rolling back: a rollback cannot be interrupted. Wait for it to finish.';

export interface ActiveRun {
	store: RunStore;
	desk: GateDesk;
	controller: AbortController;
}

export type Notice = { text: string; tone: 'warn' | 'info' };

function errorExitCode(error: unknown): number {
	const code = (error as { exitCode?: unknown } | undefined)?.exitCode;
	return typeof code === 'number' ? code : EXIT_UNKNOWN_STATE;
}

/** A run's promise as the summary screen's outcome; the store is flushed so its last events show. */
export function settleRun(run: Promise<RunSummary>, store: RunStore): Promise<RunOutcome> {
	return run
		.then(
			(summary): RunOutcome => ({ kind: 'summary', summary }),
			(error: unknown): RunOutcome => ({
				kind: 'error',
				message: error instanceof Error ? error.message : String(error),
				exitCode: errorExitCode(error),
				journal: store.getSnapshot().journal,
			}),
		)
		.finally(() => store.flush());
}

export interface UpgradeRunStart {
	containers: ChosenContainer[];
	tag: string;
	overrides?: DatabaseOverrides;
	/** The run ended (summary or error): the app shows the summary. */
	onSettled: () => void;
}

export function useUpgradeRun(backend: WizardBackend) {
	const [run, setRun] = useState<ActiveRun>();
	const [outcome, setOutcome] = useState<RunOutcome>();
	const [abortOpen, setAbortOpen] = useState(false);
	const [notice, setNotice] = useState<Notice>();
	const aborted = useRef(false);
	const started = useRef(false);
	const active = useRef<ActiveRun | undefined>(undefined);

	const start = ({ containers, tag, overrides, onSettled }: UpgradeRunStart) => {
		if (started.current) return;
		started.current = true;
		// A skip confirmed on the no-database screen is not asked a second time.
		const desk = createGateDesk({ answered: overrides?.skipBackup ? ['skip-backup'] : [] });
		const current: ActiveRun = { store: createRunStore(), desk, controller: new AbortController() };
		active.current = current;
		setRun(current);
		const io = { prompter: desk.prompter, onEvent: current.store.dispatch, signal: current.controller.signal };
		void settleRun(overrides ? backend.run(containers, tag, io, overrides) : backend.run(containers, tag, io), current.store).then((result) => {
			setOutcome(result);
			current.desk.refuseAll();
			setAbortOpen(false);
			setNotice(undefined);
			onSettled();
		});
	};

	/** q or Ctrl-C during the run: ask, unless a rollback is already under way. */
	const interrupt = useCallback(() => {
		const current = active.current;
		if (!current) return;
		if (aborted.current || current.store.getSnapshot().phase === 'rolling-back') {
			setNotice({ text: ROLLING_BACK_REFUSAL, tone: 'warn' });
			return;
		}
		setAbortOpen(true);
	}, []);

	const chooseAbort = useCallback((abort: boolean) => {
		setAbortOpen(false);
		const current = active.current;
		if (!abort || !current || aborted.current) return;
		aborted.current = true;
		current.controller.abort();
		// A gate on screen or still to come is answered no: nothing new starts.
		current.desk.refuseAll();
		setNotice({ text: 'Abort requested: rolling back at the next safe point. It runs to its end.', tone: 'warn' });
	}, []);

	return { run, outcome, abortOpen, notice, started, active, start, interrupt, chooseAbort };
}
