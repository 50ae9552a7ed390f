import {useEffect, useRef} from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import {cssColor, useColorScheme} from './useColorScheme.ts';

export type SparklineSeries = {
  /** A custom property of the palette: `--success`, `--accent`. */
  readonly color: string;
  /** One per time; `null` where there is none. */
  readonly values: ReadonlyArray<number | null>;
};

export type SparklineProps = {
  /** What the bars show, for screen readers and as a tooltip. */
  readonly label: string;
  /** Drawn in order, each bar over the one before at the same time (a series of parts after the series of wholes reads as stacked). */
  readonly series: readonly SparklineSeries[];
  /** Seconds since the epoch, evenly spaced. */
  readonly times: readonly number[];
};

const WIDTH = 120;
const HEIGHT = 24;

/** Bars from 0 up (none where there is no value), without axes or legend, in a table cell; redrawn in the colours of the system's scheme. */
export const Sparkline = ({label, series, times}: SparklineProps) => {
  const container = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const scheme = useColorScheme();
  const data: uPlot.AlignedData = [[...times], ...series.map(({values}) => [...values])];
  const colors = series.map(({color}) => color).join(' ');

  useEffect(() => {
    if (container.current === null) {
      return undefined;
    }

    // Half a bucket of room on either side, so that the first and last bars show whole.
    const step = times.length > 1 ? (times[1] ?? 0) - (times[0] ?? 0) : 1;
    const bars = uPlot.paths.bars?.({gap: 1, size: [0.9, Number.POSITIVE_INFINITY]});

    plot.current = new uPlot({
      axes: [{show: false}, {show: false}],
      cursor: {show: false},
      height: HEIGHT,
      legend: {show: false},
      padding: [1, 0, 1, 0],
      scales: {
        x: {range: (_self, min, max) => [min - step / 2, max + step / 2], time: false},
        y: {range: (_self, _min, max) => [0, max > 0 ? max : 1]},
      },
      series: [{}, ...series.map(({color}) => ({fill: cssColor(color), paths: bars, points: {show: false}, stroke: cssColor(color)}))],
      width: WIDTH,
    }, data, container.current);

    return () => {
      plot.current?.destroy();
      plot.current = null;
    };
    // Created once per scheme and palette; new values go through setData below.
  }, [scheme, colors]);

  useEffect(() => {
    plot.current?.setData(data);
  }, [JSON.stringify(data)]);

  return <div aria-label={label} class="sparkline" ref={container} role="img" title={label} />;
};
