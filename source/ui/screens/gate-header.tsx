import React from 'react';
import { Text } from 'ink';
import type { Gate } from '../../core/events.js';
import { truncate, wrapText } from '../format.js';

// The top of every gate screen: title, container, message and as many detail
// lines (wrapped) as the room allows (the rest summarised), so gates read alike.

export interface GateHeaderProps {
	gate: Gate;
	/** The message, already wrapped to the width. */
	message: string[];
	columns: number;
	/** Lines left for details. */
	room: number;
}

export function GateHeader({ gate, message, columns, room }: GateHeaderProps) {
	// Safety sentences wrap, never lose their ends to an ellipsis at 80 columns.
	const details = (gate.details ?? []).flatMap((line) => wrapText(`  ${line}`, columns, '    '));
	const shown = details.length > room ? [...details.slice(0, Math.max(0, room - 1)), `  … ${details.length - room + 1} more lines`] : details;
	return (
		<>
			<Text bold color="yellow" wrap="truncate">
				{`? ${gate.title}`}
			</Text>
			{gate.container ? <Text dimColor wrap="truncate">{`container ${gate.container}`}</Text> : null}
			<Text> </Text>
			{message.map((line, index) => (
				<Text key={`m${index}`} wrap="truncate">
					{line}
				</Text>
			))}
			{shown.map((line, index) => (
				<Text key={index} wrap="truncate">
					{truncate(line, columns)}
				</Text>
			))}
		</>
	);
}
