package api

// zhMessages translates the English message formats of newErr and its
// helpers into zh-CN; the verbs and their order stay the same.
var zhMessages = map[string]string{
	// procedures.go
	"%sfields lists %d data items, more than %d":                 "%sfields 列出 %d 个数据项，超过上限 %d 个",
	"proposal is required":                                       "请填写目录条目 proposal",
	"dataset %s is in the catalog already":                       "数据资源 %s 已在目录中",
	"dataset %s is another department's":                         "数据资源 %s 属于其他部门",
	"dataset %s is withdrawn":                                    "数据资源 %s 已撤回",
	"a change of dataset %s is in review already (procedure %d)": "数据资源 %s 已有一项目录调整在审核中（第 %d 号事项）",
	"%q is not a department providing data":                      "%q 不是数据提供部门",
	"ground is required":                                         "请填写异议事由 ground",
	"procedure id %q is not a positive number":                   "事项编号 %q 不是正整数",
	"no procedure %d":                                            "没有第 %d 号事项",
	"kind %q cannot be listed":                                   "单位类型 %q 不可列出",
	// copies.go
	"your organisation has no step in this application, so it does not send it for information": "本单位在该申请中没有办理环节，不能抄送",
	"to_user or to_org is required":                    "请填写抄送对象：to_user（人员）或 to_org（单位）",
	"give to_user or to_org, not both":                 "to_user 与 to_org 只能填写一项",
	"no active user %q":                                "没有在用的用户 %q",
	"a copy goes to someone else, not to yourself":     "不能抄送给自己",
	"%q is not an official taking part in the process": "%q 不是参与审批流程的工作人员",
	"no org %q": "没有单位 %q",
	"%q is an applicant, not a government department":  "%q 是申请单位，不是政府部门",
	"your own department sees the application already": "本部门已能查看该申请",
	"%q is not a copy id":                              "%q 不是抄送编号",
	"no copy %d was sent to you":                       "没有抄送给您的第 %d 号抄送",
	// passwords.go
	"password is not valid UTF-8 text":                                       "密码（password）不是有效的 UTF-8 文本",
	"password is %d characters long; use at least %d":                        "密码（password）只有 %d 个字符，至少需要 %d 个",
	"password is %d characters long; use at most %d":                         "密码（password）有 %d 个字符，最多 %d 个",
	"password contains a control character (such as a tab or a line break)":  "密码（password）含有控制字符（如制表符或换行）",
	"password is only spaces":                                                "密码（password）只有空格",
	"password is only digits":                                                "密码（password）只有数字",
	"password repeats one character or one group of characters":              "密码（password）由同一个字符或同一组字符重复组成",
	"password is a run of consecutive characters (such as abcdef or 987654)": "密码（password）是一串连续的字符（如 abcdef 或 987654）",
	"password contains the username":                                         "密码（password）包含用户名",
	"password is the published demo password or the service's name":          "密码（password）是公开的演示密码或本系统的名称",
	"password is on a list of common passwords that attackers try first":     "密码（password）在攻击者最先尝试的常用密码列表中",

	// secondfactor.go
	"your roles require a second factor (an authenticator app) that is not set up yet":   "您的角色要求开启双因素认证（身份验证器应用），但尚未设置",
	"the sign-in is not finished: the code from your authenticator app is still to come": "登录尚未完成：还需输入身份验证器应用显示的验证码",
	"code is not a 6-digit code nor a recovery code":                                     "code 既不是 6 位验证码，也不是恢复码",
	"wrong code":                             "验证码错误",
	"this session is not waiting for a code": "当前会话无需输入验证码",
	"no sign-in is waiting for a code":       "没有等待输入验证码的登录",
	"the second factor is set up in a signed-in session, not with an API token":                   "双因素认证须在登录后的会话中设置，不能使用 API 令牌",
	"a second factor is already set up for this account":                                          "该账号已设置双因素认证",
	"no second factor is being set up":                                                            "当前没有正在设置的双因素认证",
	"an API token of an account with a second factor is created only in a session that passed it": "已开启双因素认证的账号，只能在通过双因素认证的会话中创建 API 令牌",

	// auth.go: a token created with a token
	"the token this request is signed with expires at %s, in less than a day; a token it creates cannot outlive it":                  "本次请求所用的令牌将于 %s 到期，剩余不足一天；用它创建的令牌不能晚于它到期",
	"ttl_days %d outlives the token this request is signed with, which expires at %s; a token it creates may live at most %d day(s)": "ttl_days %d 超过了本次请求所用令牌的有效期（该令牌于 %s 到期）；用它创建的令牌最多有效 %d 天",

	"edits.%s would blank a required field":             "edits.%s 会清空必填内容",
	"%s contains a control character":                   "%s 含有控制字符",
	"%s contains an invisible text-direction character": "%s 含有不可见的文字方向控制字符",
	"the search text has %d characters, more than %d":   "搜索内容有 %d 个字符，超过上限 %d",
	"no such record": "记录不存在",
	"the record changed or is not in a state that allows this": "记录已变更，或当前状态不允许该操作",
	"the username %q is taken":                                 "用户名 %q 已被占用",
	"an org with code %q already exists":                       "代码为 %q 的单位已存在",
	"application %d is no longer a draft":                      "申请 %d 已不是草稿（已提交）",
	"task %s is no longer open, or a colleague holds it":       "任务 %s 已不在办理中，或已由同事承办",
	"application must be a positive whole number":              "application 须为正整数",
	"task %s is already flagged":                               "任务 %s 已被标记为无依据驳回",
	// admin.go
	"username %q is not valid":            "用户名 %q 不符合要求",
	"role %q is not known":                "角色 %q 无效",
	"org %q does not exist":               "单位 %q 不存在",
	"user id %q is not a number":          "用户 ID %q 不是数字",
	"you cannot disable your own account": "不能停用本人账号",
	"org code %q is not valid":            "单位代码 %q 不符合要求",
	"kind %q is not known":                "单位类型 %q 无效",
	"user %q does not exist":              "用户 %q 不存在",

	// assign.go, handlers.go
	"task %s belongs to %s; %s cannot act on it": "任务 %s 属于 %s，%s 无权办理",
	"task %s is held by %s, who claimed it":      "任务 %s 已由 %s 认领，仅其本人可以办理",
	"%q is not an active user of %s":             "%q 不是 %s 的有效用户",
	"%s may not decide tasks":                    "%s 无权办理任务",

	// auth.go
	"the Authorization header is not a bearer token":                  "Authorization 请求头不是 Bearer 令牌",
	"the token is unknown, expired, revoked, or its user is disabled": "令牌不存在、已过期或已撤销，或其所属用户已停用",
	"this request changes something but carries no valid CSRF token":  "该请求会修改数据，但未携带有效的 CSRF 令牌",
	"%s":                               "%s",
	"no policy covers %s %s":           "%s %s 未配置访问策略",
	"sign in first":                    "请先登录",
	"your roles in %s do not allow %s": "您在 %s 的角色无权执行 %s",
	"too many sign-in attempts from this address": "该地址登录尝试次数过多",
	"%s is required":              "%s 不能为空",
	"this account is disabled":    "该账号已停用",
	"wrong username or password":  "用户名或密码错误",
	"ttl_days %d is out of range": "ttl_days %d 超出允许范围",
	"token id %q is not a number": "令牌 ID %q 不是数字",

	// drafts.go
	"submit is not accepted when editing":            "编辑草稿时不能提交 submit 字段",
	"application %d is not waiting for a supplement": "申请 %d 不处于待补正状态",

	// errors.go
	"the application's workflow has ended or has not started": "该申请的审批流程已结束或尚未开始",
	"the application was already submitted":                   "该申请已提交",

	// handlers.go
	"request body too large": "请求体过大",
	"the request body must be JSON (Content-Type: application/json)": "请求体须为 JSON（Content-Type: application/json）",
	"this request comes from another site's page":                    "该请求来自其他网站的页面，已拒绝",
	"request body is not valid JSON for this endpoint: %v":           "请求体不是本接口可接受的 JSON：%v",
	"application id %q is not a positive number":                     "申请 ID %q 不是正整数",
	"grade %q is not a sensitivity grade":                            "敏感级别 %q 无效",
	"application %q is not an application number":                    "application %q 不是申请编号",
	"limit %q is out of range":                                       "limit %q 超出允许范围",
	"offset %q is not valid":                                         "offset %q 无效",
	"no dataset %q":                                                  "数据资源 %q 不存在",
	"title is required":                                              "应用场景名称（title）不能为空",
	"title is too long":                                              "应用场景名称（title）过长",
	"purpose is required":                                            "数据用途（purpose）不能为空",
	"period_months must be at least 1":                               "period_months 不能小于 1",
	"the usage period may not exceed 5 years (60 months)":            "使用期限不得超过 5 年（60 个月）",
	"access_mode %q is not known":                                    "使用方式 access_mode %q 无效",
	"datasets is empty":                                              "未填写申请的数据资源（datasets 为空）",
	"dataset %s is named twice":                                      "数据资源 %s 重复填写",
	"no dataset %q in the catalog":                                   "数据资源目录中不存在 %q",
	"dataset %s is grade %d: it may be used only in the secure environment (sandbox or model-result), not by %s": "数据资源 %s 敏感级别为 %d 级，只能在安全环境中使用（sandbox 或 model-result），不能以 %s 方式使用",
	"application %d belongs to another org":                                                  "申请 %d 属于其他单位",
	"application %d is %s, not a draft":                                                      "申请 %d 当前状态为 %s，不是草稿",
	"%q is not a regulator":                                                                  "%q 不是行业主管部门",
	"application %d is saved as a draft but could not be submitted now":                      "申请 %d 已保存为草稿，但暂时无法提交",
	"the workflow service did not answer in time":                                            "流程服务未能及时响应",
	"the application's workflow is recovering from an interrupted step; nothing was changed": "该申请的流程正在从中断的步骤中恢复，本次操作未生效",
	"from %q is not a date":                                                                  "from %q 不是有效日期",
	"days %q is not valid":                                                                   "days %q 无效",

	// handlers.go: closed data and authorized operation (授权运营)
	"dataset %s (%s) is closed (非开放) and not eligible for authorized operation (授权运营): it cannot be requested":                                                            "数据资源 %s（%s）为非开放数据，且未纳入授权运营范围，不能申请",
	"dataset %s (%s) is closed (非开放): it may be used only through authorized operation (授权运营) in the secure environment (access_mode sandbox or model-result), not by %s": "数据资源 %s（%s）为非开放数据，只能通过授权运营在安全环境中使用（使用方式 access_mode 为 sandbox 或 model-result），不能以 %s 方式使用",
	"authorized_operation %q is not true or false": "authorized_operation %q 须为 true 或 false",

	// renewals.go: renewal (续期, 003 六(六)1)
	"application %d already has a renewal, application %d: one renewal at a time":                                                   "申请 %d 已有续期申请（申请 %d）：同一授权同时只能有一个续期申请",
	"application %d was terminated for a violation: only an active authorization, or one whose period expired, can be renewed (续期)": "申请 %d 已因违约被终止授权：只有授权有效中或期满到期的申请才能续期",
	"application %d ended by the applicant's exit: only an active authorization, or one whose period expired, can be renewed (续期)":  "申请 %d 已因申请单位主动退出而结束：只有授权有效中或期满到期的申请才能续期",
	"application %d is %s: only an active authorization, or one whose period expired, can be renewed (续期)":                          "申请 %d 当前状态为%s：只有授权有效中或期满到期的申请才能续期",

	// holidays.go
	"year %q is not valid":                    "年份 %q 无效",
	"the body's year %d is not the path's %d": "请求体中的年份 %d 与路径中的年份 %d 不一致",

	// idempotency.go
	"the Idempotency-Key header is too long":                   "Idempotency-Key 请求头过长",
	"a request with this Idempotency-Key is still in progress": "使用该 Idempotency-Key 的请求仍在处理中",
	"this Idempotency-Key was already used on another request": "该 Idempotency-Key 已用于另一请求",

	// scope.go
	"no application %d": "申请 %d 不存在",

	// server.go
	"no route %s %s":          "接口 %s %s 不存在",
	"%s is not allowed on %s": "%s 方法不适用于 %s",

	// supervision.go
	"%s %q is not a date":                                     "%s %q 不是有效日期",
	"from %s is after to %s":                                  "起始日期 from %s 晚于截止日期 to %s",
	"the period from %s to %s is longer than %d years":        "%s 至 %s 的查询区间超过 %d 年",
	"no department %q":                                        "部门 %q 不存在",
	"%q is not a department under supervision":                "%q 不是督查范围内的部门",
	"%s is %d characters long, more than %d":                  "%s 长度为 %d 字，超过上限 %d 字",
	"no task %q":                                              "任务 %q 不存在",
	"task %s is no longer open":                               "任务 %s 已不在办理中",
	"task %s is still open":                                   "任务 %s 仍在办理中",
	"task %s (%s, %s) is not a decided review":                "任务 %s（%s，%s）不是已办结的审核任务",
	"task %s was decided %q, which rejected nothing":          "任务 %s 的办理结果为 %q，未驳回任何内容",
	"the rejection of task %s is already flagged":             "任务 %s 的驳回已被标记为无依据驳回",
	"application %q is not a positive number":                 "申请 ID %q 不是正整数",
	"task %s is the applicant's own step, not a department's": "任务 %s 是申请单位自身的办理环节，不属于部门任务",
	"task_id is required":                                     "task_id 不能为空",

	// the unified social credit code of a new org
	"credit code %q: character %q at position %d is not allowed; letters must be capitals":                                   "统一社会信用代码 %q 的第 %[3]d 位 %[2]q 不允许使用：字母须大写",
	"credit code %q: character %q at position %d is not allowed; use digits and capital letters other than I, O, S, V and Z": "统一社会信用代码 %q 的第 %[3]d 位 %[2]q 不允许使用：只能使用数字和除 I、O、S、V、Z 以外的大写字母",
	"credit code %q: the check character (position 18) is %q, but the first 17 characters give %q; the code is mistyped":     "统一社会信用代码 %q 的校验位（第 18 位）是 %q，但按前 17 位计算应为 %q，代码有误",
	"credit_code is required for an applicant (enterprise) org":                                                              "开发利用者（企业）单位必须填写统一社会信用代码",
	"the credit code has %d characters; a unified social credit code has 18":                                                 "统一社会信用代码有 %d 位，应为 18 位",

	// added later: lengths, filters, recovery
	"display_name is too long":                    "显示名称（display_name）过长",
	"name is required and at most 200 characters": "名称不能为空，且不得超过 200 字",
	"name is required and at most 100 characters": "名称不能为空，且不得超过 100 字",
	"domain is too long":                          "应用领域（domain）过长",
	"%s %q is not a known value":                  "%s 的取值 %q 无效",
	"name is too long":                            "名称（name）过长",
	"the server failed on this request":           "服务器处理该请求时出错",

	// notifications.go
	"unread %q is not true or false":              "unread %q 应为 true 或 false",
	"notification id %q is not a positive number": "通知 ID %q 不是正整数",
	"you have no notification %d":                 "您没有编号为 %d 的通知",
	"language %q is not zh-CN or en":              "语言 %q 无效，应为 zh-CN 或 en",
	"email_address %q is not an e-mail address":   "email_address %q 不是有效的电子邮件地址",
	"webhook_url must be an absolute https URL without a user name, password or #fragment, at most 2048 characters": "webhook_url 须为完整的 https 地址，不得含用户名、密码或 # 片段，长度不超过 2048 个字符",
	"webhook_secret must be 16 to 255 printable characters without spaces":                                          "webhook_secret 须为 16 至 255 个可打印字符，不含空格",
	"e-mail needs an address: fill in email_address":                                                                "开启邮件通知须填写邮箱地址：请填写 email_address",
	"a webhook needs a URL: fill in webhook_url":                                                                    "开启 Webhook 通知须填写地址：请填写 webhook_url",
	"a webhook needs a secret to sign its requests: fill in webhook_secret":                                         "开启 Webhook 通知须设置签名密钥：请填写 webhook_secret",

	// notifications.go: webhook addresses
	"webhook_url points to an address that is not public (loopback, private, link-local or another reserved range): notifications are not sent there": "webhook_url 指向非公网地址（本机回环、内网、链路本地或其他保留地址段），系统不会向其发送通知",

	// attachments.go
	"attachments are not set up on this server":                                      "本服务器未配置附件存储",
	"the attachment must be sent as multipart/form-data":                             "附件须以 multipart/form-data 方式上传",
	"the multipart form cannot be read":                                              "无法读取上传的表单",
	"%q holds a %s file: its name must end in %s":                                    "文件 %q 的内容是 %s 文件，文件名须以 %s 结尾",
	"%q is not a usable file name":                                                   "%q 不是可用的文件名",
	"the application's attachments would exceed their limit of %d MiB (%d MiB used)": "本申请的附件合计将超过上限 %d MiB（已用 %d MiB）",
	"attach one file per request":                                                    "每次请求只能上传一个文件",
	"the content of %q is not an allowed type":                                       "文件 %q 的内容不属于允许的类型",
	"unknown form field %q":                                                          "表单中有未知字段 %q",
	"attach one file in the field file":                                              "请在 file 字段中上传一个文件",
	"name the attachment's kind":                                                     "请选择附件类别",
	"kind %q is not an attachment kind":                                              "附件类别 %q 不存在",
	"%q is larger than the limit of %d MiB for one file":                             "文件 %q 超过单个文件 %d MiB 的上限",
	"the file is larger than the limit of %d MiB for one file":                       "文件超过单个文件 %d MiB 的上限",
	"the application has ended; nothing more can be attached":                        "该申请已结束，不能再上传附件",
	"only the applicant's organisation attaches documents of kind %q":                "只有申请单位可以上传 %q 类附件",
	"a review opinion is attached to a task your organisation holds: give task_id":   "审查意见须附在本单位承办的任务上：请提供 task_id",
	"task %q is not one of this application's tasks held by your organisation":       "任务 %q 不是本单位承办的本申请任务",
	"attachment number %q is not a positive number":                                  "附件编号 %q 不是正整数",
	"no attachment %d on this application":                                           "本申请没有编号为 %d 的附件",

	// documents.go
	"a draft has no approval form: it has not been submitted":              "草稿尚未提交，没有审批单",
	"%q is not an agreement with a text":                                   "%q 不是有文本的协议",
	"the %s agreement of this application has not been opened for signing": "本申请的 %s 协议尚未进入签署",
	"no document of the %s agreement was recorded on this application":     "本申请的 %s 协议没有已记录的文本",
	"the document cannot be printed: %s %s":                                "文书无法生成：%s %s",
	// handlers.go: the inbox's filters
	"due_to %s is before due_from %s": "办理时限（止）due_to %s 早于办理时限（起）due_from %s",
	// batch.go
	"the batch holds no decision":                              "批量办理中没有任何办理事项",
	"the batch holds %d decisions, more than %d":               "批量办理含 %d 项，超过上限 %d 项",
	"%s names no task":                                         "%s 未指明任务",
	"task %s is already listed at decisions[%d] of this batch": "任务 %s 已列在本批的 decisions[%d]，每个任务只能列一次",
	"task %s cannot be decided in a batch: a batch decides only initial reviews, signatures and filings": "任务 %s 不能批量办理：批量办理只适用于初审、协议签署和备案",
	"decision %q cannot be taken on task %s in a batch; it takes: %s":                                    "任务 %[2]s 不能批量作出 %[1]q 的决定；可批量作出的决定：%[3]s",

	// consents.go: the data subjects' consent and the uses of the data
	"dataset %s (%s) is used only with its data subjects' consent (数据主体授权同意): state the consent's basis": "数据资源 %s（%s）须经数据主体授权同意后使用：请填写授权同意的依据",
	"%s must be at least 1": "%s 至少为 1",
	"%s is more than %d":    "%s 超过上限 %d",
	"%s %s is before today (%s): the consent's term has ended":                                   "%s %s 早于今天（%s）：授权同意的使用期限已届满",
	"consents names %s, which is not among the datasets":                                         "consents 中的 %s 不在申请的数据资源（datasets）之中",
	"dataset %s (%s) does not require its data subjects' consent":                                "数据资源 %s（%s）无需数据主体授权同意",
	"only the applicant's organisation uses the data of its authorization":                       "只有申请单位可以调用其授权的数据",
	"application %d is %s, not an active authorization":                                          "申请 %d 当前状态为 %s，不是有效的授权",
	"dataset %s is not one of this application's datasets":                                       "数据资源 %s 不在本申请的数据资源之中",
	"dataset %s is not approved in this application":                                             "数据资源 %s 在本申请中未获同意",
	"dataset %s is used only with its data subjects' consent, and this application records none": "数据资源 %s 须经数据主体授权同意后使用，本申请没有记录授权同意",
	"the data subjects' consent to dataset %s ended on %s":                                       "数据主体对数据资源 %s 的授权同意已于 %s 到期",
	"the data subjects consented to dataset %s for %q only":                                      "数据主体仅同意将数据资源 %s 用于 %q",
	"the %d accesses the data subjects consented to for dataset %s are used up":                  "数据主体对数据资源 %[2]s 同意的 %[1]d 次访问已用完",
}

// zhHints translates the English hints.
var zhHints = map[string]string{
	// procedures.go
	"list at most the number of data items the message names":                                      "数据项数量请勿超过提示中的上限",
	"send the catalog entry as proposal: {change, code, name, fields, open_attribute, grade, ...}": "请以 proposal 提交目录条目：{change, code, name, fields, open_attribute, grade, ...}",
	"choose a code no dataset has, or propose a change of it (change: modify)":                     "请使用未被占用的编码，或申报对该数据资源的调整（change: modify）",
	"ask its department to propose the change":                                                     "请由该数据资源的提供部门申报调整",
	"propose a new dataset instead":                                                                "请改为申报新增数据资源",
	"wait for it to end, or follow it at /api/v1/procedures/{id}":                                  "请待其办结，或在 /api/v1/procedures/{id} 查看进展",
	"use the org code of a department providing data (GET /api/v1/orgs?kind=provider)":             "请填写数据提供部门的单位代码（GET /api/v1/orgs?kind=provider）",
	"use the numeric procedure id":                                                                 "请使用数字形式的事项编号",
	"only its own department records its updates":                                                  "只有数据提供部门可以登记其数据更新",
	"list your procedures at GET /api/v1/procedures":                                               "请在 GET /api/v1/procedures 查看您的事项",
	// copies.go
	"copy an application your organisation has a step in":                           "请抄送本单位有办理环节的申请",
	"name one person (to_user, a username) or one department (to_org, an org code)": "请指定一名人员（to_user，用户名）或一个部门（to_org，单位代码）",
	"choose a colleague or an official of another department":                       "请选择本部门同事或其他部门的工作人员",
	"take an org code from GET /api/v1/orgs":                                        "请从 GET /api/v1/orgs 中选取单位代码",
	"choose a government department":                                                "请选择政府部门",
	"name one colleague with to_user instead":                                       "如需抄送本部门同事，请用 to_user 指定",
	"take the copy's id from GET /api/v1/copies":                                    "请从 GET /api/v1/copies 中选取抄送编号",
	"write the new text, or leave the field out of edits to keep it":                "请填写新内容；如需保留原内容，请不要在 edits 中包含该字段",
	"remove the control characters (and line breaks, in a one-line field)":          "请删除控制字符（单行字段中也不能换行）",
	"remove the invisible text-direction characters":                                "请删除不可见的文字方向控制字符",
	"write it with visible characters":                                              "请填写可见的文字",
	"shorten the search text":                                                       "请缩短搜索内容",
	"check the ID in the path or the body":                                          "请核对路径或请求体中的 ID",
	"reload it to see where it stands, then retry":                                  "请刷新查看当前状态后重试",
	"choose another username":                                                       "请换一个用户名",
	"choose another code":                                                           "请换一个代码",
	"reload your inbox to see who holds it":                                         "请刷新待办列表查看承办人",
	"give an application's number, e.g. application=12":                             "请填写申请编号，例如 application=12",
	"see the flag already raised on this task":                                      "请查看该任务已有的标记",
	// admin.go
	"use 2–64 lowercase letters, digits, dot, dash or underscore": "请使用 2–64 位小写字母、数字、点、连字符或下划线",
	"use an org code from the org list":                           "请使用单位列表中的单位代码",
	"use the numeric user id":                                     "请使用数字形式的用户 ID",
	"ask another admin":                                           "请由其他管理员操作",
	"use 2–64 lowercase letters, digits or dashes":                "请使用 2–64 位小写字母、数字或连字符",
	"copy the 18-character unified social credit code (统一社会信用代码) from the business licence": "请照营业执照填写 18 位统一社会信用代码",
	"use an existing username": "请使用已存在的用户名",

	// passwords.go
	"choose another password": "请换一个密码",
	"type the password again": "请重新输入密码",
	"choose a password of at least 12 characters; a passphrase of a few words is easy to remember": "请设置至少 12 个字符的密码；由几个词组成的口令短语更好记",
	"shorten the password":                                                        "请缩短密码",
	"use letters, digits, spaces and punctuation":                                 "请使用字母、数字、空格和标点",
	"use letters, digits or punctuation too":                                      "请同时使用字母、数字或标点",
	"add letters or other characters":                                             "请加入字母或其他字符",
	"choose a password that is not a repetition":                                  "请设置不是简单重复的密码",
	"choose a password that is not a sequence":                                    "请设置不是连续字符的密码",
	"choose a password that does not contain the username":                        "请设置不包含用户名的密码",
	"choose your own password":                                                    "请设置您自己的密码",
	"choose a less common password, e.g. a passphrase of several unrelated words": "请换一个不常见的密码，例如由几个互不相关的词组成的口令短语",

	// secondfactor.go
	"set up the second factor: POST /api/v1/me/totp, then POST /api/v1/me/totp/confirm with a code from the app": "请先设置双因素认证：POST /api/v1/me/totp，再以应用显示的验证码调用 POST /api/v1/me/totp/confirm",
	"send the code from your authenticator app to POST /api/v1/session/totp":                                     "请将身份验证器应用显示的验证码发送至 POST /api/v1/session/totp",
	"type the 6 digits your authenticator app shows, or one of your recovery codes (such as k7m2q-xw9ta)":        "请输入身份验证器应用显示的 6 位数字，或一个恢复码（如 k7m2q-xw9ta）",
	"type the code your app shows now (each code works once), or a recovery code":                                "请输入应用当前显示的验证码（每个验证码只能使用一次），或一个恢复码",
	"sign in again with POST /api/v1/session":                                                                    "请通过 POST /api/v1/session 重新登录",
	"sign in at POST /api/v1/session first":                                                                      "请先通过 POST /api/v1/session 登录",
	"sign in with your password (POST /api/v1/session) and do it in that session":                                "请用密码登录（POST /api/v1/session），并在该会话中操作",
	"a second factor is set up already; sign in with it":                                                         "已设置双因素认证，请使用它登录",
	"begin with POST /api/v1/me/totp":                                                                            "请先调用 POST /api/v1/me/totp",
	"sign in with your password and the code from your authenticator app, and create the token in that session":  "请用密码和身份验证器应用的验证码登录，并在该会话中创建令牌",

	// auth.go: a token created with a token
	"create the token from a signed-in session (POST /api/v1/session), or with a token that lives longer": "请登录后（POST /api/v1/session）在会话中创建令牌，或使用有效期更长的令牌",
	"give a smaller ttl_days, or create the token from a signed-in session (POST /api/v1/session)":        "请减小 ttl_days，或登录后（POST /api/v1/session）在会话中创建令牌",

	// assign.go
	"name an active colleague of your department":      "请指定本部门状态正常的用户",
	"transfer to a colleague whose role decides tasks": "请转办给有权办理任务的本部门用户",

	// auth.go
	"send Authorization: Bearer <token>":                                 "请发送 Authorization: Bearer <token>",
	"create a new token, or ask an admin whether your account is active": "请重新创建令牌，或向管理员确认账号是否正常",
	"send the csrf_token from sign-in in the X-CSRF-Token header":        "请在 X-CSRF-Token 请求头中携带登录时返回的 csrf_token",
	"sign in at POST /api/v1/session, or send a bearer token":            "请通过 POST /api/v1/session 登录，或携带 Bearer 令牌",
	"ask an admin for a role that allows it":                             "请向管理员申请具有该权限的角色",
	"wait a minute before trying again":                                  "请 1 分钟后再试",
	`send {"username": "...", "password": "..."}`:                        `请发送 {"username": "...", "password": "..."}`,
	"wait until the lock ends, or ask an admin":                          "请待锁定解除后再试，或联系管理员",
	"ask an admin to enable your account":                                "请联系管理员启用账号",
	"check the username and the password":                                "请核对用户名和密码",
	"give a lifetime of 1 to 365 days":                                   "有效期请填写 1 至 365 天",
	"use the numeric token id from GET /api/v1/tokens":                   "请使用 GET /api/v1/tokens 返回的数字令牌 ID",

	// drafts.go
	"save the draft, then POST /api/v1/applications/{id}/submit":        "请先保存草稿，再调用 POST /api/v1/applications/{id}/submit 提交",
	"supplement only after the big-data center returns the application": "须待市大数据发展中心退回补正后方可补正",

	// errors.go
	"reload the application to see where it stands":                                          "请刷新申请，查看当前办理进度",
	"ask them to release it or transfer it to you":                                           "请联系认领人释放该任务或将其转办给您",
	"try again; if it persists, tell the administrator":                                      "请重试；如问题仍然存在，请联系管理员",
	"try again; if it persists, tell the administrator with the X-Request-ID of this answer": "请重试；如问题仍然存在，请将本次应答的 X-Request-ID 告知管理员",

	// handlers.go
	"send at most 1 MiB": "请求体不得超过 1 MiB",
	"send the body as JSON with Content-Type: application/json":                                       "请以 JSON 发送请求体，并设置 Content-Type: application/json",
	"send state-changing requests from this site's own pages, or from a client that is not a browser": "请从本站页面发起变更操作，或使用非浏览器客户端",
	"send a JSON object with the documented fields":                                                   "请按接口文档发送 JSON 对象",
	"use the numeric application id":                                                                  "请使用数字形式的申请 ID",
	"use 1, 2, 3 or 4":                                                                                "请使用 1、2、3 或 4",
	"use true or false":                                                                               "请使用 true 或 false",
	"use an application's number, e.g. 12":                                                            "请使用申请编号，如 12",
	"use a number from 1 to 500":                                                                      "请使用 1 至 500 之间的数字",
	"use a number from 0":                                                                             "请使用不小于 0 的数字",
	"search the catalog at /api/v1/catalog":                                                           "请在 /api/v1/catalog 查询数据资源目录",
	"name the scenario, e.g. 小微企业信贷风控":                                                                "请填写应用场景名称，如“小微企业信贷风控”",
	"shorten it to 200 characters":                                                                    "请精简至 200 字以内",
	"state what the data will be used for":                                                            "请说明数据的用途",
	"give the usage period in months, 1 to 60":                                                        "请按月填写使用期限，1 至 60 个月",
	"apply for at most 60 months; renew with a new application":                                       "使用期限最长 60 个月；期满续用须重新申请",
	"name at least one dataset code from /api/v1/catalog":                                             "请至少填写一个 /api/v1/catalog 中的数据资源编码",
	"name each dataset once":                                                                          "每个数据资源只能填写一次",
	"use a dataset code from /api/v1/catalog":                                                         "请使用 /api/v1/catalog 中的数据资源编码",
	"use sandbox or model-result for grade-3 data":                                                    "3 级及以上数据请选择 sandbox 或 model-result 方式",
	"use the org code of an industry regulator":                                                       "请填写行业主管部门的单位代码",
	"use YYYY-MM-DD":                                                                                  "请使用 YYYY-MM-DD 格式",
	"use a number of working days from 1 to 1000":                                                     "请填写 1 至 1000 之间的工作日数",
	"retry in a few seconds; with the same Idempotency-Key a retry takes effect at most once":         "请数秒后重试；使用相同的 Idempotency-Key 重试最多生效一次",
	"retry with the same Idempotency-Key to submit this draft, or submit it later with POST /api/v1/applications/{id}/submit": "请使用相同的 Idempotency-Key 重试以提交该草稿，或稍后通过 POST /api/v1/applications/{id}/submit 提交",

	// handlers.go: closed data and authorized operation (授权运营)
	"remove it from datasets: data neither open nor eligible for authorized operation cannot be requested": "请从 datasets 中删除该项：既未开放、也未纳入授权运营范围的数据不能申请",
	"set access_mode to sandbox or model-result: closed data is used through authorized operation only":    "请将使用方式 access_mode 设为 sandbox 或 model-result：非开放数据只能通过授权运营使用",

	// renewals.go
	"continue with that renewal; another may be applied for only once it is withdrawn or rejected": "请继续办理该续期申请；该申请撤回或被驳回后，方可再次申请续期",
	"apply with a new application (POST /api/v1/applications)":                                     "请重新提交申请（POST /api/v1/applications）",
	"apply for the renewal once the authorization is active":                                       "请待授权生效后再申请续期",

	// holidays.go
	"use a year from 2000 to 2100 in the path":                              "路径中的年份须在 2000 至 2100 之间",
	"send the same year in the path and the body":                           "路径与请求体中的年份须一致",
	`send {"year":2027,"off":["2027-01-01",...],"work":["2027-02-07",...]}`: `请按此格式发送：{"year":2027,"off":["2027-01-01",...],"work":["2027-02-07",...]}`,

	// idempotency.go
	"use a key of at most 128 characters, e.g. a UUID":      "请使用不超过 128 个字符的键，如 UUID",
	"retry in a moment with the same key to get its answer": "请稍后使用相同的键重试，以获得该请求的结果",
	"use a new key for each different request":              "每个不同的请求请使用新的键",

	// scope.go
	"list your applications at GET /api/v1/applications": "可通过 GET /api/v1/applications 查看您可见的申请",

	// server.go
	"see the routes in the README": "请查阅 README 中的接口列表",

	// supervision.go
	"use a date as YYYY-MM-DD, e.g. 2026-03-02":                                          "请按 YYYY-MM-DD 格式填写日期，如 2026-03-02",
	"give a from date on or before the to date":                                          "起始日期 from 不得晚于截止日期 to",
	"ask for at most 2 years at a time":                                                  "每次查询的区间不得超过 2 年",
	"use a department's org code, e.g. gsa":                                              "请填写部门的单位代码，如 gsa",
	"use the org code of a reviewing or providing department, e.g. gsa":                  "请填写审核部门或数据提供部门的单位代码，如 gsa",
	"write what the department must know":                                                "请填写具体内容",
	"shorten it to the length the message names":                                         "请精简至上述字数以内",
	"take the task ID from GET /api/v1/supervision/overdue or an application's timeline": "任务 ID 可从 GET /api/v1/supervision/overdue 或申请的办理进度中获取",
	"take the task ID from GET /api/v1/tasks or an application's timeline":               "任务 ID 可从 GET /api/v1/tasks 或申请的办理进度中获取",
	"name the open task to urge, e.g. application-1-t2":                                  "请填写需督办的在办任务，如 application-1-t2",
	"urge only open tasks; see GET /api/v1/supervision/overdue":                          "只能督办在办任务；请查看 GET /api/v1/supervision/overdue",
	"name the review task whose rejection is groundless, e.g. application-1-t2":          "请填写无依据驳回的审核任务，如 application-1-t2",
	"urge a department's task; the department follows up the applicant's steps":          "只能督办部门的任务；申请单位自身的办理环节由相关部门跟进",
	"flag a rejection once the task is decided":                                          "须待任务办结后方可标记驳回",
	"flag only rejections of initial, department or model reviews":                       "只能标记初审、部门审核或模型审定中的驳回",
	"a rejection is flagged once; its flag is in the audit log":                          "同一驳回只能标记一次，已有标记可在审计日志中查看",

	// added later: lengths
	"give the org's registered name, at most 200 characters":             "请填写单位的登记名称，不超过 200 字",
	"name the client that will use the token, in at most 100 characters": "请填写使用该令牌的客户端名称，不超过 100 字",
	"shorten it to 64 characters, e.g. 金融服务":                             "请精简至 64 字以内，如“金融服务”",
	"shorten the model's name to 200 characters":                         "模型名称请精简至 200 字以内",

	// notifications.go
	"use unread=true for the unread ones only, or leave it out": "仅查看未读通知请使用 unread=true，否则省略该参数",
	"take the id from GET /api/v1/notifications":                "通知 ID 可从 GET /api/v1/notifications 获取",
	"use zh-CN or en": "请使用 zh-CN 或 en",
	"give one address such as zhang.san@example.gov.cn, without a name or brackets":               "请只填写一个邮箱地址，如 zhang.san@example.gov.cn，不要带姓名或尖括号",
	"give an https:// URL that accepts POST requests, e.g. https://hooks.example.gov.cn/datagate": "请填写可接收 POST 请求的 https:// 地址，如 https://hooks.example.gov.cn/datagate",
	"use a random string of 16 to 255 characters, e.g. the output of openssl rand -hex 32":        "请使用 16 至 255 个字符的随机字符串，如 openssl rand -hex 32 的输出",
	"give the address to send to, or set email to false":                                          "请填写接收邮箱，或将 email 设为 false",
	"give the URL to post to, or set webhook to false":                                            "请填写接收地址，或将 webhook 设为 false",

	// notifications.go: webhook addresses
	"give a URL on the internet; for a receiver inside your network, ask the administrator to allow its network": "请填写公网可访问的地址；如接收方位于内部网络，请联系管理员将其网段加入允许范围",

	// attachments.go
	"ask the administrator to set DATAGATE_FILES":            "请联系管理员设置 DATAGATE_FILES",
	"send multipart/form-data with the fields kind and file": "请以 multipart/form-data 上传，包含 kind 和 file 两个字段",
	"rename the file with its type's extension":              "请按文件的实际类型修改扩展名",
	"give the file a name with its extension, e.g. 资质证明.pdf": "请为文件取一个带扩展名的名称，如 资质证明.pdf",
	"attach a smaller file, or ask the bureau":               "请上传较小的文件，或联系数据主管部门",
	"send one request per file":                              "每个文件单独上传一次",
	"attach a PDF, OFD, PNG, JPEG, DOCX or XLSX file":        "请上传 PDF、OFD、PNG、JPEG、DOCX 或 XLSX 文件",
	"send only the fields kind, task_id and file":            "表单只能包含 kind、task_id 和 file 字段",
	"send the document in the field file":                    "请把文件放在 file 字段中",
	"use one of: qualification, security_policy, requirements, consent, supplement, review_opinion, model_documentation, self_evaluation_report, rectification_report, destruction_certificate": "可选：qualification（资质证明）、security_policy（安全管理制度）、requirements（数据需求说明）、consent（数据主体授权同意书）、supplement（补正材料）、review_opinion（审查意见）、model_documentation（模型说明文档）、self_evaluation_report（自评报告）、rectification_report（整改报告）、destruction_certificate（销毁证明）",
	"attach a smaller file, e.g. a scan at a lower resolution":           "请上传较小的文件，如降低扫描分辨率",
	"start a new application if you need to":                             "如有需要，请重新提出申请",
	"a reviewer attaches a review_opinion to a task of its organisation": "审核单位可在本单位承办的任务上上传审查意见（review_opinion）",
	"take the task ID from GET /api/v1/tasks":                            "任务编号可从 GET /api/v1/tasks 获取",
	"take the number from GET /api/v1/applications/{id}/attachments":     "附件编号可从 GET /api/v1/applications/{id}/attachments 获取",

	// documents.go
	"submit the application first":                                                 "请先提交申请",
	"use authorization, service, commitment or supplement":                         "可选：authorization（授权协议）、service（服务协议）、commitment（利用承诺）、supplement（补充协议）",
	"see the application's agreements at GET /api/v1/applications/{id}/agreements": "申请的协议见 GET /api/v1/applications/{id}/agreements",
	"ask the bureau to correct the record":                                         "请联系数据主管部门更正记录",
	"use a due_to on or after due_from":                                            "due_to 须不早于 due_from",
	// batch.go
	`list the decisions, e.g. {"decisions":[{"task_id":"…","decision":"pass"}]}`: `请列出办理事项，例如 {"decisions":[{"task_id":"…","decision":"pass"}]}`,
	"send the rest in further requests":                                          "请将其余事项分批另行提交",
	"list each task once":                                                        "每个任务只列一次",
	"decide it on its own at POST /api/v1/tasks/{id}/decision":                   "请逐项办理：POST /api/v1/tasks/{id}/decision",
	"use a decision a batch may take on this task":                               "请选择该任务可批量作出的决定",
	// consents.go
	"give the consent's matter, max_accesses, until (YYYY-MM-DD) and evidence under consents, keyed by the dataset's code": "请在 consents 中按数据资源代码填写授权同意的具体事项（matter）、访问次数（max_accesses）、使用期限（until，YYYY-MM-DD）和授权凭证（evidence）",
	"give the number of accesses the data subjects agreed to (访问次数), 1 or more":                                            "请填写数据主体约定的访问次数，至少为 1",
	"give the last day of the consent's term (使用期限) as YYYY-MM-DD":                                                         "请按 YYYY-MM-DD 填写授权同意使用期限的最后一天",
	"obtain the data subjects' consent again, for a term that has not ended":                                               "请重新取得数据主体的授权同意，使用期限须未届满",
	"remove it from consents, or name the dataset in datasets":                                                             "请从 consents 中删除，或在 datasets 中申请该数据资源",
	"remove it from consents": "请从 consents 中删除",
	"name one of the application's approved datasets by its code, e.g. DS-0100": "请填写本申请中已获同意的数据资源代码，例如 DS-0100",
	"use the data only while the authorization is active (授权有效)":                "只能在授权有效期间调用数据",
	"use only the datasets the departments approved":                            "只能调用数据提供部门已同意的数据资源",
	"apply for a renewal that states the data subjects' consent":                "请申请续期，并在申请中填写数据主体授权同意的依据",
	"obtain the data subjects' consent again: use past its term is refused":     "请重新取得数据主体的授权同意：超过使用期限的调用将被拒绝",
	"state the consented matter exactly; another matter needs another consent":  "请准确填写授权同意的具体事项；其他事项须另行取得授权同意",
	"obtain the data subjects' consent again for more accesses":                 "如需更多访问次数，请重新取得数据主体的授权同意",
}
