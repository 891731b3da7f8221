// A vit-arch/v1 architecture drawn as its parts: the stem, then each stage (width, head dim, reduction) with one
// card per block (heads, attention width, MLP hidden units, attention type and its parameters), then the head.
// Plain HTML, so it reads with a screen reader and scales with the text.
import type { AttentionSpec, BlockSpec, StageSpec, StemEntry, VitArch } from "@vitnas/formats";

const ATTENTION_PARAMS: Record<string, string[]> = {
  performer: ["features"],
  linformer: ["k", "shareKV"],
  nystrom: ["landmarks", "iterations", "convKernel"],
  mixer: ["expansion"],
  castling: ["convKernel"],
};

function attentionDetail(attention: AttentionSpec | { type: string }): string {
  const values = attention as unknown as Record<string, unknown>;
  return (ATTENTION_PARAMS[attention.type] ?? [])
    .filter((k) => values[k] !== undefined)
    .map((k) => `${k} ${String(values[k])}`)
    .join(", ");
}

function stemText(entry: StemEntry): string {
  if ("residual" in entry) return `residual [${entry.residual.map(stemText).join(" → ")}]`;
  const extras = [
    entry.norm && entry.norm !== "none" ? entry.norm : "",
    entry.act && entry.act !== "none" ? entry.act : "",
  ]
    .filter(Boolean)
    .join(", ");
  return `conv ${entry.kernel}×${entry.kernel}/${entry.stride ?? 1} → ${entry.out}${extras ? ` (${extras})` : ""}`;
}

export function ArchitectureDiagram({ arch, title }: { arch: VitArch; title?: string }) {
  if (!Array.isArray(arch?.stages) || !arch.stem?.patch || !arch.input) {
    return <p className="field-error">This architecture is not a complete vit-arch/v1 document; see its JSON below.</p>;
  }
  const tokensPerSide = Math.floor(
    (arch.input.imageSize + 2 * (arch.stem.patch.padding ?? 0) - arch.stem.patch.kernel) / arch.stem.patch.stride + 1,
  );
  let side = tokensPerSide;
  return (
    <figure className="arch" aria-label={title ?? "Architecture diagram"}>
      <div className="arch-stem">
        <h3>Stem</h3>
        <p>
          input {arch.input.imageSize}×{arch.input.imageSize}×{arch.input.channels ?? 3}
        </p>
        <ol>
          {(arch.stem.convs ?? []).map((c, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: the stem's convs have no identity but their order
            <li key={i}>{stemText(c)}</li>
          ))}
          <li>
            patch {arch.stem.patch.kernel}×{arch.stem.patch.kernel}/{arch.stem.patch.stride} → {side}×{side} tokens
          </li>
        </ol>
        <p className="muted">
          position {arch.position ?? "learned"}, {arch.classToken === false ? "mean pooling" : "class token"}
        </p>
      </div>
      <div className="arch-stages">
        {arch.stages.map((stage, i) => {
          if (i > 0 && stage.reduction === "residual") side = Math.floor(side / 2);
          return (
            // biome-ignore lint/suspicious/noArrayIndexKey: stages are identified by their position
            <StageColumn key={i} index={i} stage={stage} tokensPerSide={side} />
          );
        })}
      </div>
      <div className="arch-head">
        <h3>Head</h3>
        <p>LayerNorm → linear → {arch.input.classes} classes</p>
      </div>
    </figure>
  );
}

function StageColumn({ index, stage, tokensPerSide }: { index: number; stage: StageSpec; tokensPerSide: number }) {
  const reduction = index === 0 ? null : (stage.reduction ?? "none");
  return (
    <section className="arch-stage" aria-label={`Stage ${index + 1}`}>
      {reduction && (
        <p className={`arch-reduction reduction-${reduction}`}>
          {reduction === "residual" ? "↓ residual spatial reduction (÷2)" : "→ no reduction"}
        </p>
      )}
      <h3>Stage {index + 1}</h3>
      <p className="muted">
        width {stage.width}, head dim {stage.headDim}, {tokensPerSide}×{tokensPerSide} tokens, {stage.blocks.length}{" "}
        {stage.blocks.length === 1 ? "block" : "blocks"}
      </p>
      <ol className="arch-blocks">
        {stage.blocks.map((block, j) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: blocks are identified by their position
          <BlockCard key={j} index={j} block={block} headDim={stage.headDim} />
        ))}
      </ol>
    </section>
  );
}

function BlockCard({ index, block, headDim }: { index: number; block: BlockSpec; headDim: number }) {
  const detail = attentionDetail(block.attention);
  const mixesTokensOnly = block.attention.type === "fnet" || block.attention.type === "mixer";
  return (
    <li className={`arch-block attn-${block.attention.type}`}>
      <span className="arch-block-index">#{index + 1}</span>
      <span className="attn-type">{block.attention.type}</span>
      {detail && <span className="muted"> ({detail})</span>}
      <span className="arch-block-sizes">
        {mixesTokensOnly
          ? ""
          : `${block.heads} ${block.heads === 1 ? "head" : "heads"} × ${headDim} = ${block.heads * headDim} · `}
        MLP {block.mlpHidden}
      </span>
    </li>
  );
}
