"""Write billing exports for the tests."""

from pathlib import Path

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

GOOD = {
    "payers.csv": (
        "payer_ref;name;email;phone;address;unused\n"
        'P001;Marie Dupont;marie@example.fr;06 01 02 03 04;"3 rue Espariat\n13100 Aix";x\n'
        "P002;Commune de Meyreuil;;;Place de la mairie, 13590 Meyreuil;\n"
    ),
    "contracts.csv": (
        "payer_ref;contract_number;key;status;start_date;end_date;service_address;postcode;"
        "city;meter_number;usage;payment_method;paperless\n"
        "P001;11301 11377 01;KEY-ONE-1;active;01/02/2020;;3 rue Espariat;13100;"
        "Aix-en-Provence;M001;Domestique;direct_debit;1\n"
        "P002;22201.00042.01;KEY-TWO-2;terminated;2018-01-01;2023-06-30;Stade;13590;"
        "Meyreuil;M002;Collectivité;transfer;0\n"
    ),
    "readings.csv": (
        "contract_number;date;index_m3;kind\n"
        "11301.11377.01;2023-01-10;100;real\n"
        "11301.11377.01;10/07/2023;160,5;self\n"
        "11301.11377.01;2024-01-10;200.125;remote\n"
        "22201.00042.01;2023-01-10;5000;estimated\n"
    ),
    "invoices.csv": (
        "invoice_number;contract_number;issue_date;due_date;period_start;period_end;volume_m3;"
        "amount_excl_tax;amount_incl_tax;amount_due;pdf\n"
        "F2023-1;11301.11377.01;2023-07-20;2023-08-20;2023-01-10;2023-07-10;60,5;140,00;"
        "150,50;0;pdf/F2023-1.pdf\n"
        "F2024-1;11301.11377.01;2024-01-20;2024-02-20;;;39.625;;99.90;99.90;\n"
    ),
    "payments.csv": (
        "payment_ref;contract_number;invoice_number;date;amount;method\n"
        "R1;11301.11377.01;F2023-1;2023-08-01;150,50;card\n"
        "R2;22201.00042.01;;2023-02-01;12.00;cheque\n"
    ),
}


def write_export(directory: Path, files: dict[str, str] | None = None, **overrides: str) -> Path:
    """GOOD, with files replaced (``readings_csv="..."``) or removed (value None)."""
    directory.mkdir(parents=True, exist_ok=True)
    content = dict(GOOD if files is None else files)
    for name, text in overrides.items():
        content[name.replace("_csv", ".csv")] = text
    for name, text in content.items():
        if text is not None:
            (directory / name).write_text(text, encoding="utf-8")
    (directory / "pdf").mkdir(exist_ok=True)
    (directory / "pdf" / "F2023-1.pdf").write_bytes(PDF)
    return directory
