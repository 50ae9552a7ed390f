import {useEffect, useRef} from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import {cssColor, useColorScheme} from './useColorScheme.ts';

export type SparklineProps = {
  /** A custom property of the palette: `--success`, `--accent`. */
  readonly color: string;
  /** What the line shows, for screen readers and as a tooltip. */
  readonly label: string;
  /** Fixed y range (a rate: `[0, 1]`); fitted to the values otherwise. */
  readonly range?: readonly [number, number];
  /** Seconds since the epoch. */
  readonly times: readonly number[];
  readonly values: ReadonlyArray<number | null>;
};

const WIDTH = 96;
const HEIGHT = 24;

/** A line without axes or legend, a dot on each value (a gap where there is none), in a table cell; redrawn in the colours of the system's scheme. */
export const Sparkline = ({color, label, range, times, values}: SparklineProps) => {
  const container = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const scheme = useColorScheme();
  const data: uPlot.AlignedData = [[...times], [...values]];

  useEffect(() => {
    if (container.current === null) {
      return undefined;
    }

    const stroke = cssColor(color);

    plot.current = new uPlot({
      axes: [{show: false}, {show: false}],
      cursor: {show: false},
      height: HEIGHT,
      legend: {show: false},
      padding: [3, 3, 3, 3],
      scales: {x: {time: false}, y: range === undefined ? {} : {range: () => [range[0], range[1]]}},
      series: [{}, {points: {fill: stroke, show: true, size: 3, stroke}, stroke, width: 1.5}],
      width: WIDTH,
    }, data, container.current);

    return () => {
      plot.current?.destroy();
      plot.current = null;
    };
    // Created once per scheme; new values go through setData below.
  }, [scheme, color]);

  useEffect(() => {
    plot.current?.setData(data);
  }, [JSON.stringify(data)]);

  return <div aria-label={label} class="sparkline" ref={container} role="img" title={label} />;
};
