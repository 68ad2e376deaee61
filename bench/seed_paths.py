from common import ROOT

WARDS_FILE = ROOT / "fixtures" / "boundaries" / "hcmc_wards.geojson"
