import React, { useMemo } from 'react';
import { Box, Text } from 'ink';
import type { RunState } from '../../../core/run-state.js';
import { RunProgress } from '../../run-progress.js';

// The live frame of a recovery: the run screen's progress, showing only the
// steps that happen. The store seeds every container with the upgrade's steps
// (pull, stop, …); a recovery runs none of them (it undoes them, listed under
// "rolling back"), and a column of pending upgrade steps would read as if it
// were about to upgrade. The old container's health, while recover waits for
// it, gets its own line: it is the answer the operator is waiting for.

export interface RecoveryProgressProps {
	state: RunState;
	runId: string;
	height: number;
}

function startedStepsOnly(state: RunState): RunState {
	const containers: RunState['containers'] = {};
	for (const [name, container] of Object.entries(state.containers)) {
		containers[name] = { ...container, steps: container.steps.filter((step) => step.status !== 'pending') };
	}
	return { ...state, containers };
}

export function RecoveryProgress({ state, runId, height }: RecoveryProgressProps) {
	const shown = useMemo(() => startedStepsOnly(state), [state]);
	const active = state.active ? state.containers[state.active] : undefined;
	const health = active?.health && active.rollback?.status === 'running' ? active.health : undefined;
	return (
		<Box flexDirection="column">
			<RunProgress state={shown} plans={[]} tag="" layersOpen={false} height={height - (health ? 1 : 0)} title={`Recovering run ${runId}`} />
			{health ? <Text wrap="truncate">{`  health: ${[health.status, health.detail].filter(Boolean).join(' · ')}`}</Text> : null}
		</Box>
	);
}
