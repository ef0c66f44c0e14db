"""``selfunc crowd``: Zooniverse classifications to crowd labels and crowd–expert tables."""

from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path

from selfunc.cli._types import positive_int, seed
from selfunc.errors import SelfuncError

HELP = "turn a Zooniverse classification export into crowd labels (Kosiba et al. 2020, §2.3)"

_TABLE_FILES = {
    "subjects": "per-subject votes, weighted and unweighted labels and scores",
    "volunteers": "Eq. 1 weights G = C/Q of each volunteer per question",
    "comparison": "TP/TN/FP/FN, accuracy, precision, recall, AUC against experts (Table 1)",
    "roc": "ROC curve points (Figure 5)",
    "answer_experts": "ending answers against expert categories (Figure 6)",
    "answer_agreement": "fraction of ending answers agreeing with experts (Figure 6)",
    "experts": "resolved expert labels",
}


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


#: Every file ``crowd aggregate`` may write: those a new run does not write again are
#: removed, so that a folder never mixes one run's tables with an earlier run's.
_OUTPUTS = (*(f"{n}.csv" for n in _TABLE_FILES), "crowd.h5", "bad_rows.csv", "roc.png",
            "answer_agreement.png", "summary.json")


def _write_tables(tables: dict, out: Path, fmt: str) -> list[Path]:
    from selfunc.io import atomic_path

    written = []
    if fmt == "hdf5":
        target = out / "crowd.h5"
        with atomic_path(target) as tmp:  # append=True adds paths to one fresh file
            for name, table in tables.items():
                table.write(tmp, path=name, format="hdf5", append=True, serialize_meta=True)
        written.append(target)
    else:
        for name, table in tables.items():
            target = out / f"{name}.csv"
            with atomic_path(target) as tmp:
                table.write(tmp, format="ascii.csv")
            written.append(target)
    return written


def _remove_stale(out: Path, written: list[Path]) -> list[Path]:
    keep = {p.name for p in written}
    stale = [out / n for n in _OUTPUTS if n not in keep and (out / n).is_file()]
    for p in stale:
        p.unlink()
    return stale


def run_aggregate(args: argparse.Namespace) -> int:
    # Imported here so that `selfunc --help` stays fast.
    from selfunc.crowd import (
        aggregate,
        answer_agreement,
        answer_expert_counts,
        classification_table,
        load_tree,
        plot_answer_agreement,
        plot_roc,
        read_experts,
        read_export,
        roc_table,
    )

    from selfunc.atomic import write_text
    from selfunc.cli._paths import output_folder
    from selfunc.io import atomic_path

    output_folder(args.out)
    tree = load_tree(args.tree)
    experts = read_experts(args.experts) if args.experts else None
    classifications, report = read_export(
        args.export, tree, on_error="collect" if args.skip_bad_rows else "raise", encoding=args.encoding
    )
    result = aggregate(
        classifications, drop_not_logged_in=not args.keep_not_logged_in, drop_repeats=not args.keep_repeats
    )
    out = args.out
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SelfuncError(f"{out}: cannot create output folder ({exc.strerror})") from None

    tables = {"subjects": result.subjects, "volunteers": result.weights.table()}
    figures = []
    if experts is not None:
        tables["experts"] = experts
        comparison = classification_table(result.subjects, experts)
        if comparison.meta["n_matched"] == 0:
            raise SelfuncError(
                f"{args.experts}: no expert-labelled subject has a crowd label "
                f"({len(experts)} expert rows, {len(result.subjects)} crowd subjects); check subject_id"
            )
        roc = roc_table(result.subjects, experts)
        counts = answer_expert_counts(result.classifications, experts)
        tables.update(comparison=comparison, roc=roc, answer_experts=counts,
                      answer_agreement=answer_agreement(result.classifications, experts))
        if len(roc):
            figures.append(plot_roc(roc, comparison, out / "roc.png"))
        if any(tree.answers[tree.answer_code(a)].expert_match for a in counts["answer"]):
            figures.append(plot_answer_agreement(counts, tree, out / "answer_agreement.png"))
    written = _write_tables(tables, out, args.format)

    if report.bad_rows:
        with atomic_path(out / "bad_rows.csv") as tmp, \
                open(tmp, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(("row", "line", "classification_id", "reason"))
            writer.writerows((b.row, b.line, b.classification_id, b.reason) for b in report.bad_rows)
        written.append(out / "bad_rows.csv")
    s = result.selection
    summary = {
        "export": str(args.export),
        "tree": tree.name,
        "rows": report.n_rows,
        "bad_rows": len(report.bad_rows),
        "other_workflow": report.n_other_workflow,
        "older_workflow_version": report.n_old_version,
        "classifications_read": report.n_classifications,
        "not_logged_in_dropped": s.n_not_logged_in,
        "repeats_dropped": s.n_repeated,
        "classifications_used": s.n_kept,
        "subjects": len(result.subjects),
        "volunteers": len(tables["volunteers"]),
    }
    if experts is not None:
        summary.update({k: v for k, v in tables["comparison"].meta.items() if k.startswith("n_")})
    write_text(out / "summary.json", json.dumps(summary, indent=2) + "\n")
    stale = _remove_stale(out, [*written, *figures, out / "summary.json"])

    print(f"{report.n_rows} rows: {report.n_classifications} classifications read, {len(report.bad_rows)} malformed, "
          f"{report.n_other_workflow} of other workflows, {report.n_old_version} of older workflow versions")
    print(f"dropped {s.n_not_logged_in} by volunteers not logged in and {s.n_repeated} repeats; "
          f"{s.n_kept} classifications of {len(result.subjects)} subjects by {summary['volunteers']} volunteers")
    if experts is not None:
        for row in tables["comparison"]:
            print(f"{row['data_set']:>8} {row['classification']:>10}: n={row['n']} TP={row['tp']} TN={row['tn']} "
                  f"FP={row['fp']} FN={row['fn']} A={row['accuracy']:.3f} P={row['precision']:.3f} "
                  f"R={row['recall']:.3f} AUC={row['auc']:.3f}")
    for path in [*written, *figures, out / "summary.json"]:
        print(f"wrote {path}")
    for path in stale:
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
