"""What a built workbook promises the commands that read it back: the Data table's name, the
Settings (defined names, labels, defaults), the other defined names the formulas and ``publish``
use, and the xlwings.conf sheet naming the UDF module.  The template writes these; ``publish``,
``update`` and ``refresh`` read them from here, never from the builder."""
from __future__ import annotations

TABLE_NAME = "Data"

# Defined names the formulas use (besides the Settings cells, see SETTINGS below)
D, L_, I_ = "NQP_DATA", "NQP_LANG", "NQP_ID_COLS"
REGIONS = "NQP_REGIONS"   # INDEX(NQP_DATA,0,NQP_REGION_NUM): the Region column, header first
YEARS = "NQP_YEARS"
GROUPS = "NQP_GROUPS"
DIGEST_NAME = "NQP_METHODS_DIGEST"   # the cell that receives the input table's SHA-256
RECORD_NAME = "NQP_METHODS_RECORD"   # top-left cell of the "published with / settings" block

# The xlwings.conf sheet: its "UDF Modules" row names the module whose functions the formulas call
# (as Excel's xlwings add-in imports it); refresh imports the same module.
CONF_SHEET = "xlwings.conf"
UDF_MODULES_KEY = "UDF Modules"
UDF_MODULE = "nqp_udfs"

COMPUTED = "computed"  # a setting whose cell holds a formula (the year analysed in use)

# (name, en label, zh label, default, meaning en, meaning zh, allowed values); the defaults of the
# column settings and the equations come from `nqp-xl new`.
SETTINGS = [
    ("NQP_LANG", "Language", "语言", "en", "Header language of all results: en or zh", "结果表头语言：en 或 zh", ["en", "zh"]),
    ("NQP_ID_COLS", "Label columns", "标签列数", 1, "How many leading columns of the Data table are labels (region, year, ...)",
     "Data 表最前面的标签列数（地区、年份等）", None),
    ("NQP_REGION_COL", "Region column", "地区列", None, "Header of the column naming the regions (labels of result rows)",
     "地区名称所在列的列名（结果行的标签）", None),
    ("NQP_YEAR_COL", "Year column", "年份列", None, "Header of the year column; blank for a cross-section",
     "年份所在列的列名；截面数据留空", None),
    ("NQP_GROUP_COL", "Group column", "分组列", None, "Header of the column grouping regions (e.g. East/Central/West) for Gini, Theil, D by group",
     "地区分组列的列名（如东中西部），用于基尼、泰尔分解与分区域 D", None),
    ("NQP_YEAR_CHOSEN", "Year analysed", "分析年份", None, "Year of the factor analysis, grades, obstacle degree and LISA; blank = the latest",
     "因子分析、等级、障碍度与 LISA 所用年份；留空 = 最新年份", None),
    ("NQP_YEAR", "Year analysed (in use)", "实际分析年份", COMPUTED, "The year the sheets use (computed from the two cells above)",
     "各表实际使用的年份（由上两格计算）", None),
    ("NQP_N_FACTORS", "Number of factors", "因子个数", None,
     "Blank: by the minimum cumulative variance, or eigenvalue > 1 when both are blank", "留空则按累计方差或特征值 > 1 确定", None),
    ("NQP_MIN_CUMVAR", "Minimum cumulative variance", "最低累计方差", None,
     "A fraction such as 0.85; used when the number of factors is blank", "分数，如 0.85；因子个数留空时使用", None),
    ("NQP_K", "Number of grades k", "等级数 k", 4, "k-means clusters of the composite factor score", "对综合因子得分做 k 均值聚类的类别数", None),
    ("NQP_GRADE_NAMES", "Grade names", "等级名称", None, "Comma list, best first; blank = Excellent,Good,Medium,Poor (优,良,中,差)",
     "逗号分隔，最好者在前；留空 = 优,良,中,差", None),
    ("NQP_WEIGHTS_METHOD", "Weights method", "赋权方法", "entropy", "entropy, critic, cv or equal", "entropy、critic、cv 或 equal",
     ["entropy", "critic", "cv", "equal"]),
    ("NQP_COUPLING_MODEL", "Coupling model", "耦合模型", "standard", "standard, or wang (Wang Shujia et al. 2021 corrected C)",
     "standard 或 wang（王淑佳等 2021 修正模型）", ["standard", "wang"]),
    ("NQP_EQUATIONS", "Equations", "方程组", None, "The simultaneous equations, separated by ; (y ~ x1 + x2, y = x1 + x2 or (y x1 x2); ln() allowed)",
     "联立方程，以 ; 分隔（y ~ x1 + x2、y = x1 + x2 或 (y x1 x2)；可用 ln()）", None),
    ("NQP_EQ_METHODS", "Estimators compared", "对比的估计方法", "ols,2sls,3sls", "Columns of the regression table: ols, 2sls, 3sls, ireg3",
     "回归表的列：ols、2sls、3sls、ireg3", None),
    ("NQP_MARKOV_K", "Markov classes k", "马尔可夫类型数 k", 4,
     "Quantile classes of the Markov transition matrix (Dynamics sheet), usually 4", "动态演进表中马尔可夫转移矩阵的分位数类型数，通常为 4", None),
    ("NQP_TITLE", "Report title", "报告标题", None,
     "Title of the Overview and of every page footer; blank = New quality productive forces: <first region>…, <years>",
     "概览页与页脚的标题；留空 = 新质生产力评价：<首个地区>等，<年份>", None),
    ("NQP_AGENCY", "Agency", "编制单位", None, "Who publishes the report (the Overview, and the author of the published file)",
     "报告编制单位（显示在概览页，并作为发布文件的作者）", None),
    ("NQP_PANEL_EQUATION", "Panel equation", "面板回归方程", None,
     "One equation y ~ x1 + x2 (ln(), a*b allowed) for the panel regression and the spatial Durbin model (Equations sheet)",
     "面板回归与空间杜宾模型所用的一个方程 y ~ x1 + x2（可用 ln()、a*b），见联立方程表", None),
    ("NQP_PANEL_MODEL", "Panel model", "面板模型", "fe", "fe (fixed effects, within), re (random effects) or pooled",
     "fe（固定效应）、re（随机效应）或 pooled（混合 OLS）", ["fe", "re", "pooled"]),
    ("NQP_PANEL_EFFECTS", "Panel effects", "面板效应", "twoways", "individual (region), time (year) or twoways (both)",
     "individual（地区）、time（年份）或 twoways（双向）", ["individual", "time", "twoways"]),
    ("NQP_PANEL_SE", "Panel standard errors", "面板标准误", "cluster",
     "cluster (by region), conventional, robust (HC1) or dk (Driscoll-Kraay)", "cluster（按地区聚类）、conventional、robust（HC1）或 dk（Driscoll-Kraay）",
     ["cluster", "conventional", "robust", "dk"]),
    ("NQP_SDM_EFFECTS", "Spatial Durbin effects", "空间杜宾模型效应", None,
     "Blank: a cross-section of the year analysed; region, time or twoways: fixed effects over the (balanced) panel",
     "留空：分析年份的截面；region、time 或 twoways：整个（平衡）面板的固定效应", ["region", "time", "twoways"]),
    ("NQP_COUPLING_TYPE", "Coupling type rule", "耦合类型判定", "ratio",
     "ratio: U1/U2 within [0.8, 1.25] is synchronous, else the lower lags; difference: |U1 - U2| <= 0.1",
     "ratio：U1/U2 在 [0.8, 1.25] 内为同步型，否则较低者滞后；difference：|U1 - U2| ≤ 0.1 为同步型", ["ratio", "difference"]),
]
