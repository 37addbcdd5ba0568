import type { Prefetched, WizardBackend } from '../core/wizard-backend.js';
import { useContainerDetails } from './use-container-details.js';
import { useLoad } from './use-load.js';

// What the wizard reads from the engine before any choice: the engine itself, the
// interrupted runs, the containers (their details filled in after the first frame).
// Each starts once the one before answered; a recovery bumps `generation`, and the
// runs and containers are read again. Answers the backend had before mounting
// (`early`) are the first state, so the first frame can already be the list.

export function useWizardLoads(backend: WizardBackend, options: { mode: 'wizard' | 'recover'; runId?: string; early: Prefetched; generation: number }) {
	const { mode, runId, early, generation } = options;
	const [engineLoad, retryEngine] = useLoad('engine', () => backend.connect(), early.engine);
	const engine = engineLoad.status === 'ready' ? engineLoad.value : undefined;
	const [runsLoad, retryRuns] = useLoad(engine ? `runs:${generation}` : undefined, () =>
		backend.interruptedRuns().then((runs) => (runId ? runs.filter((run) => run.runId === runId) : runs)),
		runId ? undefined : early.interruptedRuns,
	);
	const [listedLoad, retryContainers] = useLoad(engine && mode === 'wizard' ? `containers:${generation}` : undefined, () => backend.listContainers(), early.containers);
	const containersLoad = useContainerDetails(backend, listedLoad);
	const runsLeft = runsLoad.status === 'ready' ? runsLoad.value.length : undefined;
	return { engineLoad, retryEngine, engine, runsLoad, retryRuns, runsLeft, containersLoad, retryContainers };
}
