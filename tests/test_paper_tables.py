"""The papers' tables are built once (helpers.paper_tables) from stored results: RIC's Tables 1–4 and Fig. 7
put ours beside the paper's numbers and the baselines, in the paper's row order."""

from helpers import paper_numbers, paper_tables


def _recovery(psnr: float, **values) -> dict:
    return {
        "psnr_db": psnr,
        "psnr_rounded_db": psnr - 0.1,
        "ssim": 0.99,
        "lpips": None,
        "adp": 0.0,
        "wrong_key_psnr_db": 6.5,
        "encoder_correlation": 0.5,
        "acc_encrypted": 0.75,
        **values,
    }


RESULTS = {
    **_recovery(40.0),
    "initialisation": "identity",
    "per_dataset": {
        "cifar10": {
            "acc_plain": 0.794,
            "acc_encrypted": 0.794,
            "adp": 0.0,
            "label_mismatch_rate": 0.0,
            "ci95": {"acc_plain": [0.756, 0.827], "acc_encrypted": [0.756, 0.827]},
        },
        "mnist": {"acc_plain": 0.98, "acc_encrypted": 0.97, "adp": 1.0, "label_mismatch_rate": 0.01},
    },
    "init_control": {
        "initialisation": "pytorch",
        **_recovery(26.0),
        "over_seeds": {"seeds": [0, 1, 2], "psnr_db": [26.0, 24.0, 25.0], "mean": 25.0, "sd": 1.0},
    },
    "seeds": [{"seed": 0}, {"seed": 1}, {"seed": 2}],
    "seed_psnr_db": {"mean": 37.5, "sd": 2.5},
    "convergence_probe": {"epochs": 8, **_recovery(41.0)},
    "convergence_probe_decayed": {"epochs": 12, "decay_epochs": 4, "learning_rate": 1e-4, **_recovery(42.0)},
    "convergence_probe_exact": {"epochs": 8, "decay_epochs": 0, "learning_rate": 5e-4, **_recovery(43.0)},
    "identity_codec": _recovery(45.0, encoder_correlation=1.0),
    "lsb_baseline": {"psnr_db": 34.8, "ssim": 0.987, "acc_encrypted": 0.75},
    "ablation": {
        variant: _recovery(20.0 + i) for i, variant in enumerate(("nae_no_srl", "rni_srl", "nae_srl"))
    },
    "ablation_seeds": {
        "rni_srl": {"seeds": [0, 1, 2], "psnr_db": [21.0, 20.0, 22.0], "mean": 21.0, "sd": 1.0}
    },
}


def test_table_1_gives_each_data_set_its_intervals_and_the_papers_row():
    headers, rows = paper_tables.ric_table_1(RESULTS["per_dataset"])
    assert len(headers) == len(rows[0]) == 8
    assert rows[0][:3] == ["cifar10", "79.4 [75.6, 82.7]", "79.4 [75.6, 82.7]"]
    assert tuple(rows[0][5:]) == paper_numbers.RIC_TABLE_1["cifar10"]
    assert rows[1][1] == "98.0"  # no stored interval: the rate alone, never an invented one


def test_table_2_puts_the_codec_beside_its_control_seeds_probes_and_both_baselines():
    headers, rows = paper_tables.ric_table_2(RESULTS)
    methods = [row[0] for row in rows]
    assert methods == [
        "RIC (identity init)",
        "RIC (pytorch init, control)",
        "RIC, 3 seeds (mean ± sd)",
        "RIC (pytorch init, control), 3 seeds (mean ± sd)",
        "RIC, convergence probe (8 epochs)",
        "RIC, probe + 4 epochs at step 0.0001",
        "RIC, probe on exact training pixels (8 epochs)",
        "identity codec (baseline)",
        "LSB w/ NAE, 4 bits (baseline)",
    ]
    assert all(len(row) == len(headers) for row in rows)
    assert rows[0][-2] == paper_numbers.RIC_TABLE_2_SVHN["ric"][0] and rows[2][1] == "37.500 ± 2.500"
    assert rows[3][1] == "25.000 ± 1.000" and rows[-1][-2] == paper_numbers.RIC_TABLE_2_SVHN["lsb"][0]
    assert rows[-1][5] == "–"  # the LSB baseline has no wrong-key decoding: a dash, not a zero


CROSS = {
    "cifar10→cifar10": {"psnr_db": 40.75, "ssim": 0.9974},
    "cifar10→mnist": {"psnr_db": 40.3, "ssim": 0.97},
    "mnist→cifar10": {"psnr_db": 35.7, "ssim": 0.9957},
    "mnist→mnist": {"psnr_db": 51.0, "ssim": 0.9999},
}


def test_table_3_is_a_matrix_with_the_papers_row_below_ours():
    headers, rows = paper_tables.ric_table_3(CROSS)
    assert headers == ["model", "cifar10", "mnist"]
    assert rows[0] == ["RIC-cifar10", "40.75 / 0.9974", "40.30 / 0.9700"]
    assert rows[-1] == ["paper: RIC-svhn", "40.03 / 0.9963", "–"]
    assert len(rows) == 3  # no own-classifier cells: one row per codec


def test_table_3_adds_the_release_protocol_row_under_each_codec_that_has_it():
    own = {"cifar10→mnist": {"psnr_db": 38.0, "ssim": 0.95}}
    headers, rows = paper_tables.ric_table_3(CROSS, own)
    assert headers == ["model", "cifar10", "mnist"]
    assert [row[0] for row in rows] == [
        "RIC-cifar10",
        "RIC-cifar10, each test set's own classifier",
        "RIC-mnist",
        "paper: RIC-svhn",
    ]
    assert rows[1] == ["RIC-cifar10, each test set's own classifier", "40.75 / 0.9974", "38.00 / 0.9500"]


def test_table_4_follows_the_papers_rows_and_ends_with_the_identity_codec():
    headers, rows = paper_tables.ric_table_4(RESULTS)
    assert [row[0] for row in rows] == [*paper_numbers.RIC_TABLE_4, "identity codec (baseline)"]
    rni = rows[1]
    assert (
        rni[2] == 21.0
        and rni[3] == "21.000 ± 1.000 (3)"
        and tuple(rni[-3:-1]) == paper_numbers.RIC_TABLE_4["rni_srl"][:2]
    )
    assert rows[0][3] == "–"  # no seeds stored for this variant: a dash, not a made-up spread
    assert all(len(row) == len(headers) for row in rows)


def test_the_lambda_table_has_one_row_per_lambda_beside_the_identity_codec():
    sweep = [
        {
            "lambda": lam,
            "psnr_db": 30.0 + lam,
            "identity_psnr_db": 50.0 - lam,
            "label_mismatch_rate": 0.0,
            "identity_label_mismatch_rate": 0.1,
            "cross_psnr_db": 29.0,
            "privacy_psnr_db": 10.0,
            "encoder_correlation": 0.9,
            "acc_encrypted": 0.794,
        }
        for lam in (0.2, 0.8)
    ]
    sweep[1]["psnr_db_over_seeds"] = {
        "seeds": [0, 1, 2],
        "psnr_db": [30.8, 29.8, 31.8],
        "mean": 30.8,
        "sd": 1.0,
    }
    headers, rows = paper_tables.ric_lambda_table(sweep)
    assert [row[0] for row in rows] == [0.2, 0.8] and all(len(row) == len(headers) for row in rows)
    assert rows[0][5] == 10.0 and rows[1][-1] == 79.4
    assert rows[0][2] == "–" and rows[1][2] == "30.800 ± 1.000 (3)"  # no seeds stored: a dash
