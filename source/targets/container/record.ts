import type { UnitRecord } from '../../core/journal/journal.js';
import type { HealthOptions } from '../../core/plan/plan.js';

/** A plain container's record: what its driver needs to undo and to recover. */
export interface ContainerRecord extends UnitRecord {
	parkedName: string;
	oldId: string;
	oldImageId: string;
	newId?: string;
	stopTimeoutS: number;
	health: HealthOptions;
	/** Redacted `docker inspect` of the old container and of its image, taken before the pull. */
	inspect?: { container: unknown; image: unknown };
	createOptions?: unknown;
}
