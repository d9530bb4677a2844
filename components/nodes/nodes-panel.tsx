'use client';
// The nodes panel: add, remove, kill, revive and reweight nodes, and repair, with the preview, progress and summary of each change.
import { useState } from 'react';
import { killNode, reviveNode } from '@/app/actions';
import { callAction } from '../live/call-action';
import { useLive, useMove } from '../live/live-provider';
import { useSelection } from '../live/selection';
import { useNodeColors } from '../live/use-node-colors';
import { formatCount } from '../format';
import { AddNodeForm } from './add-node-form';
import { NodeCard } from './node-card';
import { RepairRow } from './repair-row';
import { RebalanceCard } from './rebalance-card';
import { useRebalance } from './use-rebalance';

interface Notice {
  tone: 'good' | 'bad';
  text: string;
}

export function NodesPanel() {
  const { snapshot, refresh } = useLive();
  const move = useMove();
  const { hoverNode } = useSelection();
  const color = useNodeColors();
  const rebalance = useRebalance();
  const [working, setWorking] = useState(false);
  const [notice, setNotice] = useState<Notice | null>(null);
  const disabled = working || rebalance.applying || rebalance.pending !== null;

  const drill = async (kind: 'kill' | 'revive', id: string) => {
    setWorking(true);
    setNotice(null);
    if (kind === 'kill') {
      const result = await callAction(() => killNode({ id }));
      setNotice(result.ok ? { tone: 'good', text: `Killed ${id}: its keys are served by their other replicas until it returns.` } : { tone: 'bad', text: result.message });
    } else {
      const result = await callAction(() => reviveNode({ id }));
      setNotice(
        result.ok
          ? { tone: 'good', text: `Revived ${id} at ${result.node.address}; repair copied ${formatCount(result.repair.copied)} keys back in ${formatCount(result.repair.ms)} ms.` }
          : { tone: 'bad', text: result.message },
      );
    }
    setWorking(false);
    refresh();
  };

  return (
    <div className="space-y-3">
      <AddNodeForm disabled={disabled || snapshot.busy} onPropose={(change) => void rebalance.propose(change)} />
      <RepairRow underReplicated={snapshot.underReplicated} disabled={disabled || snapshot.busy} onPropose={() => void rebalance.propose({ type: 'repair' })} />
      <RebalanceCard
        pending={rebalance.pending}
        applying={rebalance.applying}
        outcome={rebalance.outcome}
        move={move}
        onApply={() => void rebalance.apply()}
        onCancel={rebalance.cancel}
        onDismiss={rebalance.dismiss}
      />
      {notice && (
        <p role="status" className={`text-sm ${notice.tone === 'bad' ? 'text-red-700 dark:text-red-400' : 'text-emerald-800 dark:text-emerald-300'}`}>
          {notice.text}
        </p>
      )}
      <ul className="space-y-2" aria-label="Nodes">
        {snapshot.nodes.map((node) => (
          <NodeCard
            key={`${node.id}:${node.vnodes}`}
            node={node}
            color={color(node.id)}
            disabled={disabled}
            lastNode={snapshot.nodes.length <= 1}
            onHover={hoverNode}
            onRemove={() => void rebalance.propose({ type: 'remove', id: node.id })}
            onKill={() => void drill('kill', node.id)}
            onRevive={() => void drill('revive', node.id)}
            onVnodes={(vnodes) => void rebalance.propose({ type: 'vnodes', id: node.id, vnodes })}
          />
        ))}
      </ul>
    </div>
  );
}
