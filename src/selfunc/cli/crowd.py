"""``selfunc crowd aggregate|volunteers|subjects``: argument parsing; the work is in
:mod:`selfunc.crowd.outputs`, :mod:`selfunc.campaign.volunteers` and :mod:`selfunc.crowd.subjects`."""

from __future__ import annotations

import argparse
from pathlib import Path

from selfunc.cli._types import positive_int, seed

HELP = ("Zooniverse classifications to crowd labels (Kosiba et al. 2020, §2.3), simulated "
        "volunteers on a campaign, subject sets")


def register(subparsers) -> None:
    parser = subparsers.add_parser("crowd", help=HELP, description=HELP)
    sub = parser.add_subparsers(dest="crowd_command", metavar="ACTION", required=True)
    agg = sub.add_parser(
        "aggregate",
        help="weight volunteers (Eq. 1), vote per subject, compare with experts",
        description="Read a Zooniverse classification export, drop classifications by volunteers "
        "not logged in and repeated ones, weight volunteers question-wise by agreement with the "
        "majority (Eq. 1), vote per subject, and with --experts compare with expert labels "
        "(Table 1, Figures 5 and 6 of Kosiba et al. 2020).",
    )
    agg.add_argument("export", type=Path, help="classification export CSV (.csv or .csv.gz)")
    agg.add_argument("--tree", default="hunt_for_galaxy_clusters",
                     help="decision tree TOML file or preset name (default: %(default)s)")
    agg.add_argument("--experts", type=Path, help="expert labels CSV (subject_id, expert_1, expert_2, "
                     "moderator or subject_id, category; optional subsets)")
    agg.add_argument("--out", type=Path, required=True, help="output folder (created if needed)")
    agg.add_argument("--format", choices=("csv", "hdf5"), default="csv",
                     help="tables as CSV files or one HDF5 file crowd.h5 (default: %(default)s)")
    agg.add_argument("--skip-bad-rows", action="store_true",
                     help="list malformed rows in bad_rows.csv and go on, instead of stopping at the first")
    agg.add_argument("--keep-not-logged-in", action="store_true",
                     help="keep classifications by volunteers who were not logged in")
    agg.add_argument("--keep-repeats", action="store_true",
                     help="keep every classification of a subject by the same volunteer, not only the first")
    agg.add_argument("--encoding", default="utf-8", help="text encoding of the export (default: %(default)s)")
    agg.set_defaults(func=run_aggregate)

    vol = sub.add_parser(
        "volunteers",
        help="simulated volunteers classify a campaign's candidates (columns p_volunteer_cluster …)",
        description="Simulated volunteers (configs/crowd/volunteers.toml: behaviour measured on a "
        "real Zooniverse export, a fraction careless or malicious) classify the screened candidates "
        "of a campaign through the decision tree; their Eq.-1-weighted votes join "
        "catalogues/candidates.h5 as n_volunteer_votes, p_volunteer_cluster and "
        "p_volunteer_cluster_unweighted, for rules such as 'C1 and p_volunteer_cluster > 0.5'.",
    )
    vol.add_argument("campaign", type=Path, help="campaign folder (merged catalogues)")
    vol.add_argument("--screen", help="rule of the candidates shown (default: the campaign's [cnn] screen)")
    vol.add_argument("--seed", type=seed, help="seed of the volunteers (default: the campaign's seed)")
    vol.add_argument("--behaviour", default="volunteers",
                     help="volunteer behaviour TOML file or preset name (default: %(default)s)")
    vol.set_defaults(func=run_volunteers)

    subj = sub.add_parser(
        "subjects",
        help="write stamps as a Zooniverse subject set (manifest.csv + PNG images)",
        description="Write the stamps of a campaign, an HDF5 stamp dataset or a public-layout "
        "folder as a Zooniverse subject set: one PNG per frame (X-ray, optical, composite) and a "
        "manifest.csv whose hidden (#) columns carry the selfunc id and the label.",
    )
    subj.add_argument("data", help="campaign folder, stamp dataset (.h5) or public-layout folder")
    subj.add_argument("--out", type=Path, required=True, help="output folder")
    subj.add_argument("--split", default="train", help="split of a public-layout folder (default: train)")
    subj.add_argument("--data-order", default="zenodo", help="channel order of a public-layout folder")
    subj.add_argument("--limit", type=positive_int, help="only the first N stamps")
    subj.set_defaults(func=run_subjects)


def run_aggregate(args: argparse.Namespace) -> int:
    # Imported here so that `selfunc --help` stays fast.
    from selfunc.cli._paths import output_folder
    from selfunc.crowd.outputs import aggregate_export

    output_folder(args.out)
    run = aggregate_export(args.export, args.out, tree=args.tree, experts=args.experts,
                           fmt=args.format, skip_bad_rows=args.skip_bad_rows,
                           keep_not_logged_in=args.keep_not_logged_in,
                           keep_repeats=args.keep_repeats, encoding=args.encoding)
    report, s = run.report, run.result.selection
    print(f"{report.n_rows} rows: {report.n_classifications} classifications read, {len(report.bad_rows)} malformed, "
          f"{report.n_other_workflow} of other workflows, {report.n_old_version} of older workflow versions")
    print(f"dropped {s.n_not_logged_in} by volunteers not logged in and {s.n_repeated} repeats; "
          f"{s.n_kept} classifications of {len(run.result.subjects)} subjects by {run.summary['volunteers']} volunteers")
    if "comparison" in run.tables:
        for row in run.tables["comparison"]:
            print(f"{row['data_set']:>8} {row['classification']:>10}: n={row['n']} TP={row['tp']} TN={row['tn']} "
                  f"FP={row['fp']} FN={row['fn']} A={row['accuracy']:.3f} P={row['precision']:.3f} "
                  f"R={row['recall']:.3f} AUC={row['auc']:.3f}")
    for path in run.written:
        print(f"wrote {path}")
    for path in run.stale:
        print(f"removed {path} (of an earlier run, not written by this one)")
    return 0


def run_volunteers(args: argparse.Namespace) -> int:
    from selfunc.campaign.volunteers import campaign_volunteers, summary_line
    from selfunc.crowd.behaviour import load_behaviour

    table, screening = campaign_volunteers(args.campaign, screen=args.screen, seed=args.seed,
                                           behaviour=load_behaviour(args.behaviour))
    print(summary_line(table, screening))
    print(f"wrote {args.campaign / 'catalogues' / 'candidates.h5'}")
    return 0


def run_subjects(args: argparse.Namespace) -> int:
    from selfunc.cli._paths import output_folder
    from selfunc.cli.train_cnn import load_stamps
    from selfunc.crowd.subjects import write_subjects

    output_folder(args.out)
    ds = load_stamps(args.data, args.split, args.data_order)
    if args.limit:
        ds = ds.subset(list(range(min(args.limit, len(ds)))))
    frames = {}
    if ds.xray_rgb is not None:
        frames["xray"] = ds.xray_rgb
    if ds.optical_rgb is not None:
        frames["optical"] = ds.optical_rgb
    frames["composite"] = ds.inputs("composite")
    path = write_subjects(args.out, ds.ids, frames, {"label": ds.labels})
    print(f"{len(ds)} subjects, frames {', '.join(frames)} -> {path}")
    return 0
