import type { ContainerRow } from '../core/wizard-backend.js';

// The container list as the select screen shows it: filtered, grouped by image
// repository (one upgrade targets one repository) or Compose project, sorted so the same engine
// always lists the same way.

export interface Preselection {
	containers: string[];
	image?: string;
	labels: string[];
}

export interface ContainerGroup {
	/** The heading: the image repository, or `compose project <name>` for a project's services. */
	repository: string;
	rows: ContainerRow[];
}

/** A Compose project's services are one group (they are upgraded through their project); other containers group by repository. */
export function groupOf(row: ContainerRow): string {
	return row.compose ? `compose project ${row.compose.project}` : row.repository;
}

export function matchesFilter(row: ContainerRow, filter: string): boolean {
	const needle = filter.trim().toLowerCase();
	if (!needle) return true;
	return [row.name, row.image, row.version ?? '', row.state, row.health ?? '', row.compose?.project ?? ''].some((field) => field.toLowerCase().includes(needle));
}

export function groupRows(rows: ContainerRow[], filter = ''): ContainerGroup[] {
	const groups = new Map<string, ContainerRow[]>();
	for (const row of rows) {
		if (!matchesFilter(row, filter)) continue;
		const list = groups.get(groupOf(row)) ?? [];
		list.push(row);
		groups.set(groupOf(row), list);
	}
	return [...groups.entries()]
		.sort(([a], [b]) => a.localeCompare(b))
		.map(([repository, list]) => ({ repository, rows: list.sort((a, b) => a.name.localeCompare(b.name)) }));
}

/**
 * Ticked at start: what the backend marked (it alone knows labels), plus the
 * flags it may not have applied: --container names and --image.
 */
export function initiallyTicked(rows: ContainerRow[], preselect: Preselection): Set<string> {
	const image = preselect.image;
	return new Set(
		rows
			.filter(
				(row) =>
					row.preselected ||
					preselect.containers.includes(row.name) ||
					(image !== undefined && (row.image === image || row.repository === image || row.image.startsWith(`${image}:`))),
			)
			.map((row) => row.name),
	);
}

/** Names ticked, grouped by repository, for the "one repository at a time" rule. */
export function repositoriesOf(rows: ContainerRow[], ticked: ReadonlySet<string>): string[] {
	return [...new Set(rows.filter((row) => ticked.has(row.name)).map((row) => row.repository))];
}

/** The ENGINE column's width, only when the rows come from several engines; with one, its name for the heading. */
export function engineColumn(rows: ContainerRow[]): { single?: string; width: number } {
	const engines = [...new Set(rows.map((row) => row.engine))];
	if (engines.length === 1) return { single: engines[0], width: 0 };
	return { width: engines.length > 1 ? Math.min(28, Math.max(6, ...engines.map((engine) => engine.length))) : 0 };
}
