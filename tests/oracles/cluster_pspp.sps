* Oracle for nqp_xl.cluster method="spss": GNU PSPP's QUICK CLUSTER (tested with PSPP 1.6.2).
* Run from the repository root:
*   pspp tests/oracles/cluster_pspp.sps -O format=csv -o tests/fixtures/cluster/pspp_output.csv
*   .venv/bin/python tests/oracles/cluster_pspp_parse.py
* Variables are read as F24.12 so that the centres print with 12 decimals.
* Membership is saved to tests/fixtures/cluster/pspp_*_membership.csv.
SET DECIMAL=DOT.

GET DATA /TYPE=TXT /FILE='tests/fixtures/data/province_2022.csv'
  /ARRANGEMENT=DELIMITED /DELCASE=LINE /FIRSTCASE=2 /DELIMITERS=','
  /VARIABLES=
    region_name A40
    rd_personnel_fte F24.12
    rd_expenditure F24.12
    rd_intensity F24.12
    gov_sci_tech_spending F24.12
    gov_education_spending F24.12
    basic_research_spending F24.12
    invention_patent_applications F24.12
    valid_invention_patents F24.12
    tech_market_outflow F24.12
    ind_rd_institutions F24.12
    ind_rd_personnel_fte F24.12
    ind_rd_expenditure F24.12
    ind_new_product_dev_spending F24.12
    hitech_enterprises F24.12
    hitech_revenue F24.12.
TITLE 'P1 province rd_intensity k=4'.
QUICK CLUSTER rd_intensity
  /CRITERIA=CLUSTERS(4) MXITER(10)
  /PRINT=INITIAL
  /SAVE=CLUSTER(p1).
TITLE 'P2 province 3 columns k=3'.
QUICK CLUSTER rd_intensity rd_expenditure gov_sci_tech_spending
  /CRITERIA=CLUSTERS(3) MXITER(10)
  /PRINT=INITIAL
  /SAVE=CLUSTER(p2).
TITLE 'P3 province 3 columns k=4'.
QUICK CLUSTER rd_expenditure gov_education_spending hitech_enterprises
  /CRITERIA=CLUSTERS(4) MXITER(10)
  /PRINT=INITIAL
  /SAVE=CLUSTER(p3).
SAVE TRANSLATE /OUTFILE='tests/fixtures/cluster/pspp_province_membership.csv' /TYPE=CSV /FIELDNAMES /REPLACE
  /KEEP=region_name p1 p2 p3.

GET DATA /TYPE=TXT /FILE='tests/fixtures/data/synthetic_2500.csv'
  /ARRANGEMENT=DELIMITED /DELCASE=LINE /FIRSTCASE=2 /DELIMITERS=','
  /VARIABLES=
    unit A40
    x1 F24.12
    x2 F24.12
    x3 F24.12
    x4 F24.12
    x5 F24.12
    x6 F24.12
    x7 F24.12
    x8 F24.12
    x9 F24.12
    x10 F24.12
    x11 F24.12
    x12 F24.12.
TITLE 'S1 synthetic x1 k=4'.
QUICK CLUSTER x1
  /CRITERIA=CLUSTERS(4) MXITER(10)
  /PRINT=INITIAL
  /SAVE=CLUSTER(s1).
TITLE 'S2 synthetic x1 x2 x3 k=4'.
QUICK CLUSTER x1 x2 x3
  /CRITERIA=CLUSTERS(4) MXITER(10)
  /PRINT=INITIAL
  /SAVE=CLUSTER(s2).
TITLE 'S3 synthetic x1 to x12 k=3'.
QUICK CLUSTER x1 TO x12
  /CRITERIA=CLUSTERS(3) MXITER(10)
  /PRINT=INITIAL
  /SAVE=CLUSTER(s3).
SAVE TRANSLATE /OUTFILE='tests/fixtures/cluster/pspp_synthetic_membership.csv' /TYPE=CSV /FIELDNAMES /REPLACE
  /KEEP=unit s1 s2 s3.

