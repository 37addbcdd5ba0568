import React, { memo } from 'react';
import { Box, Text } from 'ink';
import type { ContainerRunState, RunState } from '../core/run-state.js';
import type { PlanPreviewContainer } from '../core/wizard-backend.js';
import { formatClock, RESULT_WORDS } from './format.js';
import { ContainerDetail, detailFixedLines, Downtime, versions } from './container-detail.js';
import { Spin } from './spin.js';
import { useNow } from './ticker.js';
import { useTerminalSize } from './terminal.js';
import { shownOn } from '../core/cluster-names.js';

// Screen 7: the live frame of a run. The container being worked on gets the
// detail (steps, pull bar, backup bytes, health, log tail); the others one line
// each. Everything is budgeted to a fixed number of lines so the frame never
// reaches the terminal's height. Components take their slice of the snapshot
// as props and are memoised, and only what ticks (the running step, the
// clocks, spinners) reads the shared ticker.

function compactState(container: ContainerRunState): { text: string; tone?: 'good' | 'bad' | 'busy' } {
	if (container.summary) {
		const result = container.summary.result;
		return { text: RESULT_WORDS[result] ?? String(result), tone: result === 'upgraded' ? 'good' : 'bad' };
	}
	if (container.rollback?.status === 'running') return { text: 'rolling back', tone: 'busy' };
	const running = container.steps.find((step) => step.status === 'running');
	if (running) return { text: running.name, tone: 'busy' };
	const health = container.steps.find((step) => step.name === 'health');
	if (health?.status === 'done') return { text: 'healthy; old container kept until every container is', tone: 'good' };
	if (container.steps.every((step) => step.status === 'pending' || (step.name === 'pull' && step.status === 'done'))) return { text: 'waiting' };
	return { text: 'in progress', tone: 'busy' };
}

export const ContainerLine = memo(function ContainerLine({ container, plan, onEngine }: { container: ContainerRunState; plan?: PlanPreviewContainer; onEngine?: string }) {
	const state = compactState(container);
	const icon = state.tone === 'busy' ? <Spin /> : state.tone === 'good' ? <Text color="green">✔</Text> : state.tone === 'bad' ? <Text color="red">✖</Text> : <Text dimColor>·</Text>;
	return (
		<Text wrap="truncate">
			{icon}
			<Text bold>{` ${container.name}`}</Text>
			{onEngine ? <Text dimColor>{` on ${onEngine}`}</Text> : null}
			{`  ${versions(container, plan)}  ${state.text}`}
			<Downtime container={container} />
		</Text>
	);
});

function RunClock({ startedAt, endedAt }: { startedAt?: number; endedAt?: number }) {
	const now = useNow();
	if (startedAt === undefined) return <Text dimColor>starting…</Text>;
	return <Text>{`elapsed ${formatClock((endedAt ?? now) - startedAt)}`}</Text>;
}

export interface RunProgressProps {
	state: RunState;
	plans: PlanPreviewContainer[];
	tag: string;
	layersOpen: boolean;
	height: number;
	/** Instead of "Upgrading to <tag>" and "Rolling back" until the end: a recovery is a rollback from its start. */
	title?: string;
}

export function RunProgress({ state, plans, tag, layersOpen, height, title: fixedTitle }: RunProgressProps) {
	const { columns } = useTerminalSize();
	const { order, phase } = state;
	const names = order.length > 0 ? order : plans.map((plan) => plan.label ?? plan.name);
	const shownActive = state.active ?? names[0];
	const active = shownActive ? state.containers[shownActive] : undefined;
	const others = names.filter((name) => name !== shownActive);
	// Rows are the units' labels (a name on several engines is `<name> on <engine>`).
	const planOf = (label: string) => plans.find((plan) => (plan.label ?? plan.name) === label);
	// A cluster over several engines: each container says where it is, once.
	const several = new Set(plans.map((plan) => plan.engine)).size > 1;
	const engineOf = (label: string) => {
		const engine = several ? planOf(label)?.engine : undefined;
		return engine && shownOn(label, engine, true) !== label ? engine : undefined;
	};
	// The active container's steps come first; the others share what is left.
	const otherRoom = Math.max(0, height - 1 - Math.max(active ? detailFixedLines(active, columns) : 0, 1));
	const shownOthers = others.length > otherRoom ? others.slice(0, Math.max(0, otherRoom - 1)) : others;
	const hiddenOthers = others.length - shownOthers.length;
	const detailBudget = Math.max(1, height - 1 - shownOthers.length - (hiddenOthers > 0 ? 1 : 0));
	const title = fixedTitle !== undefined && phase !== 'done' ? fixedTitle : phase === 'rolling-back' ? 'Rolling back' : phase === 'done' ? 'Finished' : phase === 'idle' ? 'Starting' : `Upgrading to ${tag}`;
	return (
		<Box flexDirection="column">
			<Text wrap="truncate">
				<Text bold color={phase === 'rolling-back' ? 'yellow' : undefined}>
					{title}
				</Text>
				{' · '}
				<RunClock startedAt={state.startedAt} endedAt={state.endedAt} />
			</Text>
			{active ? <ContainerDetail container={active} plan={planOf(active.name)} layersOpen={layersOpen} budget={detailBudget} onEngine={engineOf(active.name)} /> : null}
			{shownOthers.map((name) => {
				const container = state.containers[name];
				return container ? <ContainerLine key={name} container={container} plan={planOf(name)} onEngine={engineOf(name)} /> : null;
			})}
			{hiddenOthers > 0 ? <Text dimColor>{`  + ${hiddenOthers} more`}</Text> : null}
		</Box>
	);
}
