// The header of the lab's tables: one column heading per label, those given as false left out.
export function HeaderRow({ labels }: { labels: (string | false)[] }) {
  return (
    <thead className="border-b border-zinc-300 dark:border-zinc-700">
      <tr>
        {labels
          .filter((label): label is string => label !== false)
          .map((label) => (
            <th key={label} scope="col" className="px-2 py-1 text-left font-medium">
              {label}
            </th>
          ))}
      </tr>
    </thead>
  );
}
