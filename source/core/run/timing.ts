import type { ContainerResult, ContainerSummary } from '../events.js';
import { defaultChecklist, type ChecklistItem } from '../plan/checks.js';
import type { Journal } from '../journal/journal.js';
import type { Unit } from '../plan/plan.js';

// Per unit: when it started, what it went from and to over the whole run, the
// pull time, and downtime summed over hops (each stop issued -> healthy again).

interface Timing {
	startedAt: number;
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
}

export class Timings {
	private readonly byName = new Map<string, Timing>();

	start(units: Unit[], finalRef: string): void {
		for (const unit of units) this.byName.set(unit.name, { startedAt: Date.now(), originalFrom: unit.from, finalTo: finalRef, downtimeMs: 0, now: unit.from });
	}

	/** A stop was issued: the downtime window opens (once, until it closes). */
	downtimeOpened(name: string): void {
		const timing = this.byName.get(name);
		if (timing) timing.stopIssuedAt ??= Date.now();
	}

	/** The unit answers again: close the downtime window its last stop opened. */
	downtimeClosed(name: string): void {
		const timing = this.byName.get(name);
		if (!timing?.stopIssuedAt) return;
		timing.downtimeMs += Date.now() - timing.stopIssuedAt;
		timing.stopIssuedAt = undefined;
	}

	/** A hop committed: the unit runs its target from now on. */
	committed(name: string, ref: string): void {
		const timing = this.byName.get(name);
		if (timing) timing.now = ref;
	}

	checked(name: string, items: ChecklistItem[]): void {
		const timing = this.byName.get(name);
		if (timing) timing.checklist = items;
	}

	pulled(name: string, ms: number): void {
		const timing = this.byName.get(name);
		if (timing) timing.pullMs = (timing.pullMs ?? 0) + ms;
	}

	keptOld(name: string, parked?: string): string | undefined {
		const timing = this.byName.get(name);
		if (timing && parked) timing.keptOld = parked;
		return timing?.keptOld;
	}

	summary(unit: { name: string; from: string; to: string; key: string; id?: string }, result: ContainerResult, journal: Journal, extra: Partial<ContainerSummary> = {}): ContainerSummary {
		const timing = this.byName.get(unit.name);
		const entry = journal.doc.containers[unit.key] as { oldId?: string; newId?: string } | undefined;
		const summary: ContainerSummary = {
			container: unit.name,
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
		}
		if (result === 'upgraded') summary.checklist = timing?.checklist ?? defaultChecklist();
		return summary;
	}
}
