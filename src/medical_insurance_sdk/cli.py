"""The `yibao` command line."""

import typer

app = typer.Typer(help="医保接口平台命令行 (yibao)", no_args_is_help=True)


@app.command()
def version() -> None:
    """Print the package version."""
    from medical_insurance_sdk import __version__

    typer.echo(__version__)
