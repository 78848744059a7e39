/**
 * A process and all its descendants, from a parent → children map (read from /proc on Linux, from
 * `ps` on macOS). Pure; a pid seen twice (a cycle from a racing read) is visited once.
 */
export function descendantsOf(root: number, children: ReadonlyMap<number, readonly number[]>): number[] {
  const tree: number[] = [];
  const queue = [root];
  for (let pid = queue.pop(); pid !== undefined; pid = queue.pop()) {
    if (tree.includes(pid)) continue;
    tree.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return tree;
}
