import { useRef, useState } from 'react';
import type { ChosenContainer, DatabaseOverrides, WizardBackend } from '../core/wizard-backend.js';
import { useLoad } from './use-load.js';

// What the operator chooses before an upgrade (containers, version, and the
// database when none was found) and what the backend answers for each: the
// versions on offer and the plan. Each answer is keyed by what it was asked
// for, so going back and forth never asks the engine or the registry twice.

export function useUpgradeChoices(backend: WizardBackend) {
	const [chosen, setChosen] = useState<ChosenContainer[]>([]);
	const [tag, setTag] = useState<string>();
	/** Counts URLs typed, so each one plans again. */
	const databaseAnswers = useRef(0);
	// The operator's answer to "no database found", for the containers it was given for.
	const [database, setDatabase] = useState<{ containers: string; overrides: DatabaseOverrides }>();

	// The engine is part of the key: one name may be chosen on one engine, then on another.
	const chosenKey = chosen.map((each) => `${each.engine ?? ''}\t${each.name}`).join('\n');
	const [targetsLoad, retryTargets] = useLoad(chosen.length > 0 ? `targets:${chosenKey}` : undefined, () => backend.targets(chosen));
	const overrides = database?.containers === chosenKey ? database.overrides : undefined;
	// Never the URL itself in the key: it holds the password.
	const overridesKey = overrides?.skipBackup ? 'skip-backup' : overrides?.db !== undefined ? `db#${databaseAnswers.current}` : '';
	const [previewLoad, retryPreview] = useLoad(chosen.length > 0 && tag ? `preview:${chosenKey}:${tag}:${overridesKey}` : undefined, () =>
		overrides ? backend.preview(chosen, tag!, overrides) : backend.preview(chosen, tag!),
	);

	const answerDatabase = (answer: DatabaseOverrides) => {
		databaseAnswers.current++;
		setDatabase({ containers: chosenKey, overrides: answer });
	};

	return {
		chosen,
		setChosen,
		tag,
		setTag,
		overrides,
		answerDatabase,
		forgetDatabase: () => setDatabase(undefined),
		targetsLoad,
		retryTargets,
		previewLoad,
		retryPreview,
	};
}
