import React, { memo } from 'react';
import { Box, Text } from 'ink';
import { downtimeOf, type ContainerRunState, type PullState, type StepState } from '../core/run-state.js';
import type { PlanPreviewContainer } from '../core/wizard-backend.js';
import { cell, formatBytes, formatClock, formatDuration, truncate, wrapText } from './format.js';
import { Spin } from './spin.js';
import { useNow } from './ticker.js';
import { useTerminalSize } from './terminal.js';

// The run screen's detail of the container being worked on: its steps with
// their clocks, the pull bar (layers on `l`), why it failed and how it rolls
// back (wrapped, never cut), and its log tail in whatever lines are left.

const NAME_WIDTH = 11;

function StepIcon({ status, finished }: { status: StepState['status']; finished: boolean }) {
	switch (status) {
		case 'running':
			return <Spin />;
		case 'done':
			return <Text color="green">✔</Text>;
		case 'failed':
			return <Text color="red">✖</Text>;
		case 'rolled-back':
			return <Text color="yellow">↺</Text>;
		default:
			return <Text dimColor>{finished ? '–' : '·'}</Text>;
	}
}

function counterText(container: ContainerRunState, step: string): string | undefined {
	const counter = container.counters[step];
	if (!counter) return undefined;
	return counter.totalBytes ? `${formatBytes(counter.bytes)} of ~${formatBytes(counter.totalBytes)}` : `${formatBytes(counter.bytes)} written`;
}

function stepDetail(container: ContainerRunState, step: StepState): string {
	const counter = counterText(container, step.name);
	if (counter) return counter;
	if (step.name === 'pull' && step.status === 'done' && container.pull?.totalBytes) {
		return [step.detail, formatBytes(container.pull.totalBytes)].filter(Boolean).join(' · ');
	}
	if (step.name === 'health' && container.health && step.status !== 'pending') {
		return [container.health.status, container.health.detail].filter(Boolean).join(' · ');
	}
	if (step.status === 'rolled-back') return 'rolled back';
	return step.detail ?? '';
}

function RunningClock({ since }: { since: number }) {
	const now = useNow();
	return <Text>{formatDuration(Math.max(0, now - since)).padStart(8)}</Text>;
}

const StepRow = memo(function StepRow({ step, detail, finished, width }: { step: StepState; detail: string; finished: boolean; width: number }) {
	const duration = step.status === 'running' && step.startedAt !== undefined ? null : step.durationMs !== undefined ? formatDuration(step.durationMs) : '';
	return (
		<Text wrap="truncate" dimColor={step.status === 'pending'}>
			{'  '}
			<StepIcon status={step.status} finished={finished} />
			{` ${cell(step.name, NAME_WIDTH)}`}
			{duration === null ? <RunningClock since={step.startedAt!} /> : <Text>{duration.padStart(8)}</Text>}
			{`  ${truncate(detail, Math.max(0, width - NAME_WIDTH - 15))}`}
		</Text>
	);
});

export function pullFigures(pull: PullState): string {
	const parts = [pull.totalBytes > 0 ? `${formatBytes(pull.bytes)} / ${formatBytes(pull.totalBytes)}` : `${formatBytes(pull.bytes)}`];
	if (pull.rate !== undefined && pull.rate > 0) parts.push(`${formatBytes(Math.round(pull.rate))}/s`);
	parts.push(`${pull.layersDone}/${pull.layersKnown} layers`);
	return parts.join(' · ');
}

function PullBar({ pull, width }: { pull: PullState; width: number }) {
	const figures = pullFigures(pull);
	// The figures matter more than the bar: the bar gets what they leave.
	const barWidth = Math.max(8, Math.min(40, width - 4 - 6 - figures.length - 1));
	const fraction = pull.totalBytes > 0 ? Math.min(1, pull.bytes / pull.totalBytes) : 0;
	const filled = Math.round(fraction * barWidth);
	return (
		<Text wrap="truncate">
			{'    '}
			<Text color="cyan">{'█'.repeat(filled)}</Text>
			<Text dimColor>{'░'.repeat(barWidth - filled)}</Text>
			{` ${String(Math.floor(fraction * 100)).padStart(3)}% ${figures}`}
		</Text>
	);
}

export function Downtime({ container }: { container: ContainerRunState }) {
	const now = useNow();
	const downtime = downtimeOf(container, now);
	if (!downtime) return null;
	return downtime.running ? (
		<Text color="yellow">{` · down ${formatClock(downtime.ms)}`}</Text>
	) : (
		<Text>{` · downtime ${formatDuration(downtime.ms)}`}</Text>
	);
}

export function versions(container: ContainerRunState, plan: PlanPreviewContainer | undefined): string {
	const from = container.summary?.from ?? plan?.from;
	const to = container.summary?.to ?? plan?.to;
	return from && to ? `${from} → ${to}` : '';
}

export interface ContainerDetailProps {
	container: ContainerRunState;
	plan?: PlanPreviewContainer;
	layersOpen: boolean;
	/** Lines this panel may use. */
	budget: number;
	/** The engine it is on, named only when the run spans several. */
	onEngine?: string;
}

interface DetailLayout {
	pullRunning: boolean;
	/** Why it failed and why it rolls back: read whole, so wrapped (the first character is the mark's place). */
	reasons: { failure: string[]; rollback: string[] };
	/** The lines the detail needs before the layer list and the log tail. */
	fixed: number;
}

// The run screen asks for the layout to share out its height, the panel to draw:
// one wrap per state of a container and width, however many ask.
const layouts = new WeakMap<ContainerRunState, { columns: number; layout: DetailLayout }>();

function detailLayout(container: ContainerRunState, columns: number): DetailLayout {
	const cached = layouts.get(container);
	if (cached?.columns === columns) return cached.layout;
	const pullRunning = container.steps.some((step) => step.name === 'pull' && step.status === 'running') && container.pull !== undefined;
	const rollback = container.rollback;
	const words = rollback ? (rollback.status === 'running' ? 'rolling back' : rollback.status === 'done' ? 'rolled back' : 'ROLLBACK INCOMPLETE') : '';
	const reasons = {
		failure: container.failure ? wrapText(`  ✖ failed at ${container.failure.step}: ${container.failure.message}`, columns, '    ') : [],
		rollback: rollback ? wrapText(`  * ${words}: ${rollback.reason}`, columns, '    ') : [],
	};
	const fixed = 1 + container.steps.length + (pullRunning ? 1 : 0) + reasons.failure.length + reasons.rollback.length + (rollback?.steps.length ?? 0);
	const layout = { pullRunning, reasons, fixed };
	layouts.set(container, { columns, layout });
	return layout;
}

export function detailFixedLines(container: ContainerRunState, columns = Number.POSITIVE_INFINITY): number {
	return detailLayout(container, columns).fixed;
}

export const ContainerDetail = memo(function ContainerDetail({ container, plan, layersOpen, budget, onEngine }: ContainerDetailProps) {
	const { columns } = useTerminalSize();
	const name = container.name;
	const finished = container.summary !== undefined;
	const { pullRunning, reasons, fixed } = detailLayout(container, columns);
	let remaining = budget - fixed;
	const layers = layersOpen && pullRunning && container.pull ? container.pull.layers.slice(0, Math.max(0, remaining)) : [];
	remaining -= layers.length;
	const tail = remaining > 0 ? container.logTail.slice(-remaining) : [];
	const rollback = container.rollback;
	return (
		<Box flexDirection="column" height={Math.min(budget, fixed + layers.length + tail.length)} overflow="hidden">
			<Text wrap="truncate">
				<Text bold>{name}</Text>
				{onEngine ? <Text dimColor>{` on ${onEngine}`}</Text> : null}
				{`  ${versions(container, plan)}`}
				<Downtime container={container} />
			</Text>
			{container.steps.map((step) => (
				<React.Fragment key={step.name}>
					<StepRow step={step} detail={stepDetail(container, step)} finished={finished} width={columns} />
					{step.name === 'pull' && pullRunning && container.pull ? <PullBar pull={container.pull} width={columns} /> : null}
					{step.name === 'pull' && layers.length > 0
						? layers.map((layer) => (
								<Text key={layer.id} wrap="truncate" dimColor>
									{`      ${cell(layer.id.replace(/^sha256:/, '').slice(0, 12), 12)}  ${cell(layer.status, 18)} ${formatBytes(layer.current)} / ${formatBytes(layer.total)}`}
								</Text>
							))
						: null}
				</React.Fragment>
			))}
			{reasons.failure.map((line, index) => (
				<Text key={`f${index}`} wrap="truncate" color="red">
					{line}
				</Text>
			))}
			{rollback ? (
				<>
					{reasons.rollback.map((line, index) =>
						index === 0 ? (
							<Text key="r0" wrap="truncate" color="yellow">
								{'  '}
								{rollback.status === 'running' ? <Spin /> : <Text>{rollback.status === 'done' ? '↺' : '✖'}</Text>}
								{line.slice(3)}
							</Text>
						) : (
							<Text key={`r${index}`} wrap="truncate" color="yellow">
								{line}
							</Text>
						),
					)}
					{rollback.steps.map((step, index) => (
						<Text key={index} wrap="truncate" color={step.ok ? undefined : 'red'}>
							{`    ${step.ok ? '✔' : '✖'} ${step.action}${step.detail ? `: ${step.detail}` : ''}`}
						</Text>
					))}
				</>
			) : null}
			{tail.map((line, index) => (
				<Text key={`${container.logTail.length}:${index}`} wrap="truncate" dimColor>
					{`    │ ${line}`}
				</Text>
			))}
		</Box>
	);
});
