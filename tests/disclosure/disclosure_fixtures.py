"""Names the disclosure tests share (imported by module name: `conftest` is ambiguous across test folders)."""

COMPANY = "承德市华安商贸有限公司"
