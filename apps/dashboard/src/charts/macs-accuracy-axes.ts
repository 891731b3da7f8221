// The axes every accuracy-against-MACs chart shares, so the scatter and the front history read the same way.
import { formatMacs } from "../format";

export const macsAxis = {
  type: "value",
  name: "MACs",
  nameLocation: "middle",
  nameGap: 28,
  scale: true,
  boundaryGap: ["3%", "3%"],
  axisLabel: { formatter: (v: number) => formatMacs(v) },
} as const;

// A margin around the data, so points on the extremes do not sit on the axes.
export const accuracyAxis = { type: "value", name: "accuracy (%)", scale: true, boundaryGap: ["5%", "5%"] } as const;
