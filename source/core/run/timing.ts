import type { ContainerResult, ContainerSummary, StepName, Timeline } from '../events.js';
import { defaultChecklist, type ChecklistItem } from '../plan/checks.js';
import type { Journal } from '../journal/journal.js';
import type { Unit } from '../plan/plan.js';
import type { DownWindow } from './service-downtime.js';
import { summaryNames, unitLabel } from '../cluster-names.js';

// Per unit: when it started, what it went from and to over the whole run, the
// pull time, and downtime summed over hops (each stop issued -> healthy again).
// Keyed by the unit's label: one name may be a unit on each of several engines.

interface Timing {
	startedAt: number;
	engine?: string;
	originalFrom: string;
	finalTo: string;
	downtimeMs: number;
	stopIssuedAt?: number;
	pullMs?: number;
	keptOld?: string;
	/** The image the unit runs now: the original, then each committed hop's. */
	now: string;
	/** The last hop's post-upgrade checklist. */
	checklist?: ChecklistItem[];
	timeline: Timeline;
	/** Steps started and not yet done: step -> start (ms from startedAt). */
	running: Map<StepName, number>;
}

/** Bounds what a summary carries: a long cluster run keeps its first steps. */
const MAX_TIMELINE_STEPS = 200;

export class Timings {
	private readonly byLabel = new Map<string, Timing>();
	private hop = '';

	start(units: Unit[], finalRef: string): void {
		for (const unit of units) {
			this.byLabel.set(unitLabel(unit), { startedAt: Date.now(), engine: unit.engine, originalFrom: unit.from, finalTo: finalRef, downtimeMs: 0, now: unit.from, timeline: { steps: [], down: [] }, running: new Map() });
		}
	}

	/** The hop to `tag` begins: the steps from here belong to it. */
	hopStarted(tag: string): void {
		this.hop = tag;
	}

	stepStarted(label: string, step: StepName): void {
		const timing = this.byLabel.get(label);
		if (timing) timing.running.set(step, Date.now() - timing.startedAt);
	}

	stepDone(label: string, step: StepName, durationMs: number): void {
		const timing = this.byLabel.get(label);
		if (!timing || timing.timeline.steps.length >= MAX_TIMELINE_STEPS) return;
		const endMs = Date.now() - timing.startedAt;
		// A step reported done without its start (a cluster's "already pulled") lasted what it says.
		const startMs = timing.running.get(step) ?? Math.max(0, endMs - durationMs);
		timing.running.delete(step);
		timing.timeline.steps.push({ hop: this.hop, step, startMs, endMs });
	}

	/** A stop was issued: the downtime window opens (once, until it closes). */
	downtimeOpened(label: string): void {
		const timing = this.byLabel.get(label);
		if (timing) timing.stopIssuedAt ??= Date.now();
	}

	/** The unit answers again: close the downtime window its last stop opened. */
	downtimeClosed(label: string): void {
		const timing = this.byLabel.get(label);
		if (!timing?.stopIssuedAt) return;
		const now = Date.now();
		timing.downtimeMs += now - timing.stopIssuedAt;
		timing.timeline.down.push({ startMs: timing.stopIssuedAt - timing.startedAt, endMs: now - timing.startedAt });
		timing.stopIssuedAt = undefined;
	}

	/** A hop committed: the unit runs its target from now on. */
	committed(label: string, ref: string): void {
		const timing = this.byLabel.get(label);
		if (timing) timing.now = ref;
	}

	checked(label: string, items: ChecklistItem[]): void {
		const timing = this.byLabel.get(label);
		if (timing) timing.checklist = items;
	}

	pulled(label: string, ms: number): void {
		const timing = this.byLabel.get(label);
		if (timing) timing.pullMs = (timing.pullMs ?? 0) + ms;
	}

	keptOld(label: string, parked?: string): string | undefined {
		const timing = this.byLabel.get(label);
		if (timing && parked) timing.keptOld = parked;
		return timing?.keptOld;
	}

	/** Every down window of the run, on the clock (a cluster's service downtime is computed from them). */
	downWindows(): DownWindow[] {
		return [...this.byLabel.entries()].flatMap(([label, timing]) =>
			timing.timeline.down.map((window) => ({ container: label, engine: timing.engine, startAt: timing.startedAt + window.startMs, endAt: timing.startedAt + window.endMs })),
		);
	}

	/** The units of the run, as a service's nodes. */
	nodes(): Array<{ container: string; engine?: string }> {
		return [...this.byLabel.entries()].map(([label, timing]) => ({ container: label, engine: timing.engine }));
	}

	summary(unit: { name: string; label?: string; engine?: string; from: string; to: string; key: string; id?: string }, result: ContainerResult, journal: Journal, extra: Partial<ContainerSummary> = {}): ContainerSummary {
		const label = unitLabel(unit);
		const timing = this.byLabel.get(label);
		const entry = journal.doc.containers[unit.key] as { oldId?: string; newId?: string } | undefined;
		const summary: ContainerSummary = {
			...summaryNames(unit),
			...(unit.engine ? { engine: unit.engine } : {}),
			from: timing?.originalFrom ?? unit.from,
			to: timing?.finalTo ?? unit.to,
			result,
			oldContainerId: unit.id ?? entry?.oldId,
			newContainerId: result === 'upgraded' ? entry?.newId : undefined,
			...extra,
		};
		// Where it is now is known unless the rollback could not finish.
		if (timing && result !== 'rollback-failed' && result !== 'dry-run') summary.now = timing.now;
		if (timing) {
			summary.pullMs = timing.pullMs;
			summary.totalMs = Date.now() - timing.startedAt;
			if (timing.downtimeMs > 0) summary.downtimeMs = timing.downtimeMs;
			if (timing.timeline.steps.length > 0) summary.timeline = { steps: [...timing.timeline.steps], down: [...timing.timeline.down] };
		}
		if (result === 'upgraded') summary.checklist = timing?.checklist ?? defaultChecklist();
		return summary;
	}
}
