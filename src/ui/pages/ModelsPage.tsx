/** `/models?q=…`: the registered models with their Production and Staging versions, aliases and last change. */

import { useQuery } from "@tanstack/react-query";
import { useMemo } from "react";
import {
  AliasChips,
  describeEvent,
  ErrorPanel,
  ListPageHead,
  Skeleton,
  Time,
  VersionLinks,
} from "../components/index.js";
import { naturalCompare, paths } from "../lib/index.js";
import { modelsQuery } from "../queries.js";
import { Link, useSearchParams, useSetQuery } from "../router.js";

export function ModelsPage() {
  const q = useSearchParams();
  const setQuery = useSetQuery();
  const search = q.get("q") ?? "";
  const models = useQuery(modelsQuery());
  const rows = useMemo(() => {
    const needle = search.trim().toLowerCase();
    return (models.data ?? [])
      .filter((m) => !needle || m.name.toLowerCase().includes(needle))
      .sort((a, b) => naturalCompare(a.name, b.name));
  }, [models.data, search]);

  return (
    <div className="page">
      <ListPageHead
        title="Models"
        what="models"
        search={search}
        onSearch={(q) => setQuery({ q }, { replace: true })}
      />
      {models.isPending ? (
        <Skeleton rows={6} />
      ) : models.isError ? (
        <ErrorPanel error={models.error} title="Cannot list the models" />
      ) : (
        <table className="table models-table" data-testid="models-table">
          <thead>
            <tr>
              <th>Name</th>
              <th>Production</th>
              <th>Staging</th>
              <th>Aliases</th>
              <th className="num">Versions</th>
              <th>Last change</th>
              <th>Description</th>
            </tr>
          </thead>
          <tbody>
            {rows.length === 0 && (
              <tr>
                <td colSpan={7} className="empty-cell">
                  {search
                    ? `No model name contains “${search}”.`
                    : 'No registered models yet: sx.registerModel("runs:/RUN_ID/model", name) registers one.'}
                </td>
              </tr>
            )}
            {rows.map((m) => (
              <tr key={m.name} data-testid="model-row" data-model={m.name}>
                <td className="strong">
                  <Link href={paths.model(m.name)}>{m.name}</Link>
                </td>
                <td data-testid="model-production">
                  <VersionLinks name={m.name} versions={m.production} />
                </td>
                <td data-testid="model-staging">
                  <VersionLinks name={m.name} versions={m.staging} />
                </td>
                <td data-testid="model-aliases">
                  <AliasChips
                    name={m.name}
                    aliases={Object.entries(m.aliases).sort((a, b) => naturalCompare(a[0], b[0]))}
                  />
                </td>
                <td className="num">{m.versionCount}</td>
                <td data-testid="model-last-change">
                  {m.lastEvent ? (
                    <>
                      <span>{describeEvent(m.lastEvent)}</span>
                      <span className="muted small">
                        {" "}
                        by {m.lastEvent.actor}, <Time ms={m.lastEvent.at} compact />
                      </span>
                    </>
                  ) : (
                    <Time ms={m.updatedTime} compact />
                  )}
                </td>
                <td className="muted">{m.description || "—"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
